<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>CheckView</name>
    <message>
        <location filename="../panels/compare/results.py" line="+370"/>
        <source>The degradation check was not run.</source>
        <translation>未运行退化检查。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Passed.&lt;/b&gt; Real unseen images, made worse step by step, score worse step by step: the measuring network tells good images from bad ones on this data, so the figures mean something.</source>
        <translation>&lt;b&gt;通过。&lt;/b&gt;把未见过的真实图像一步步变差，它们的得分也一步步变差：测量网络在这些数据上分得清好图像和坏图像，所以这些数字是有意义的。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;Not passed.&lt;/b&gt; The measuring network does not score images that were made worse as worse on this data, so read the figures with care (more images or a longer-trained measuring network help).</source>
        <translation>&lt;b&gt;未通过。&lt;/b&gt;在这些数据上，测量网络没有把变差的图像评为更差，所以请谨慎看待这些数字（更多图像或训练更久的测量网络会有帮助）。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>KID of each set: {0}</source>
        <translation>各组的 KID：{0}</translation>
    </message>
</context>
<context>
    <name>ComparePanel</name>
    <message>
        <location filename="../panels/compare/panel.py" line="+67"/>
        <location line="+50"/>
        <location line="+44"/>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <location line="-66"/>
        <source>What to compare</source>
        <translation>比较什么</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+131"/>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <location line="-122"/>
        <location line="+38"/>
        <source>Samples per run</source>
        <translation>每个运行的样本数</translation>
    </message>
    <message>
        <location line="-37"/>
        <location line="+86"/>
        <source>Minutes each</source>
        <translation>每个的分钟数</translation>
    </message>
    <message>
        <location line="-85"/>
        <source>Comparison progress</source>
        <translation>比较进度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training progress</source>
        <translation>训练进度</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Runs trained on the same images, side by side: their samples, their scores against real images they never saw, and copies of training images.</source>
        <translation>把在同一批图像上训练的运行并排比较：它们的样本、相对于从未见过的真实图像的得分，以及对训练图像的复制。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Runs on this dataset</source>
        <translation>此数据集上的训练运行</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Runs to compare</source>
        <translation>要比较的训练运行</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add run folder…</source>
        <translation>添加运行文件夹…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Images generated and scored per run: more give steadier figures and take longer.</source>
        <translation>每个运行生成并评分的图像数：越多数字越稳定，耗时也越长。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Measure again</source>
        <translation>重新测量</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ignore the evaluation saved in each run folder and measure anew.</source>
        <translation>忽略各运行文件夹中保存的评估，重新测量。</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+41"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>Train each family</source>
        <translation>逐个训练各模型族</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One new run per ticked family on the current dataset, one after another, each for the same minutes: a fair race.</source>
        <translation>在当前数据集上为每个勾选的模型族依次新建一个训练运行，每个训练相同的分钟数：一场公平的比赛。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Train families</source>
        <translation>训练模型族</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Export report…</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Write the comparison as an HTML page and a Markdown file into a folder</source>
        <translation>把比较结果写成一个 HTML 页面和一个 Markdown 文件，保存到文件夹中</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Tick one or more runs on the left and press Compare. Each run&apos;s samples are scored against images it never saw; the floor row shows what real images score the same way.</source>
        <translation>在左侧勾选一个或多个训练运行，然后点“比较”。每个运行的样本都会与它从未见过的图像对照评分；基准线一行显示真实图像用同样方法得到的分数。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Samples at the same seed</source>
        <translation>相同种子下的样本</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Scores against real images the runs never saw</source>
        <translation>相对于训练运行从未见过的真实图像的得分</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Quality during training</source>
        <translation>训练过程中的质量</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Each sample beside the training image nearest to it. The ratio compares their distance with how close unseen real images come to the training set: below 1 the sample is closer than real images get, a likely copy.</source>
        <translation>每个样本旁边是离它最近的训练图像。比值把两者的距离与未见过的真实图像离训练集的距离相比：低于 1 表示样本比真实图像还要近，很可能是复制。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Copies of training images</source>
        <translation>对训练图像的复制</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Can the measuring network tell good from bad?</source>
        <translation>测量网络分得清好坏吗？</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Why each family looks the way it does</source>
        <translation>各模型族的结果为何如此</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>step {0:,}</source>
        <translation>第 {0:,} 步</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no checkpoint</source>
        <translation>没有检查点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0}
{1}, {2}</source>
        <translation>{0}
{1}，{2}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{0}
Trained on {1}</source>
        <translation>{0}
训练数据：{1}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>No runs yet: train one on the Train step, or train each family below.</source>
        <translation>还没有训练运行：在“训练”步骤中训练一个，或在下方逐个训练各模型族。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All runs; tick one and only runs on its dataset stay listed.</source>
        <translation>所有训练运行；勾选一个后，只保留同一数据集上的运行。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Runs trained on {0}: {1}.</source>
        <translation>在 {0} 上训练的运行：{1} 个。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No runs trained on {0} yet.</source>
        <translation>还没有在 {0} 上训练的运行。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} on other data are not listed (runs are compared on one dataset).</source>
        <translation>另有 {0} 个在其他数据上训练的运行未列出（只比较同一数据集上的运行）。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Add a run folder</source>
        <translation>添加运行文件夹</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>{0} is not a genstudio run folder (it has no readable config.json).</source>
        <translation>{0} 不是 genstudio 训练运行文件夹（没有可读的 config.json）。</translation>
    </message>
    <message>
        <location line="+45"/>
        <location line="+117"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location line="-106"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Run {0} of {1} ({2}): {3}</source>
        <translation>第 {0}/{1} 个运行（{2}）：{3}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{0} could not be measured: {1}</source>
        <translation>{0} 无法测量：{1}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open the images it was trained on on the Data step (or put them back at that path) and press Compare again.</source>
        <translation>在“数据”步骤中打开它训练时用的图像（或把它们放回原路径），然后再点一次“比较”。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Measured {0} of {1} runs.</source>
        <translation>已测量 {0}/{1} 个训练运行。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The comparison stopped: {0}</source>
        <translation>比较已中止：{0}</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Training each family needs a newer engine (studio.engine.train_families).</source>
        <translation>逐个训练各模型族需要更新的引擎（studio.engine.train_families）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Load a dataset on the Data step and tick at least one family.</source>
        <translation>请在“数据”步骤中加载数据集，并至少勾选一个模型族。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Stopped; the runs trained so far are in the list.</source>
        <translation>已停止；已训练的运行在列表中。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Training {0} ({1} of {2}): step {3:,}</source>
        <translation>正在训练 {0}（第 {1}/{2} 个）：第 {3:,} 步</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Trained {0} runs; they are ticked in the list.</source>
        <translation>已训练 {0} 个运行；它们已在列表中勾选。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Training stopped: {0}</source>
        <translation>训练已停止：{0}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export the report into a folder</source>
        <translation>将报告导出到文件夹</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Replace the report?</source>
        <translation>替换报告？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} already holds a report. Replace it?</source>
        <translation>{0} 中已有一份报告。要替换吗？</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Report written to {0}</source>
        <translation>报告已写入 {0}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Measuring…</source>
        <translation>正在测量…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{0} runs measured</source>
        <translation>已测量 {0} 个运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} runs ticked</source>
        <translation>已勾选 {0} 个运行</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Pick runs</source>
        <translation>选择训练运行</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Training runs on the Train step; wait for it to finish.</source>
        <translation>“训练”步骤正在训练；请等它结束。</translation>
    </message>
    <message>
        <location filename="../panels/compare/texts.py" line="+14"/>
        <source>KID</source>
        <translation>KID</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>How far the generated images are from real ones as a whole (0: indistinguishable; lower is better); ± is how much it varies over random subsets.</source>
        <translation>生成图像整体上离真实图像有多远（0：无法区分；越低越好）；± 是它在随机子集之间的波动。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Share of generated images that look like some real image (low: many odd or broken images).</source>
        <translation>看起来像某张真实图像的生成图像所占比例（低：有很多怪异或破碎的图像）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Share of real images the model could have made something like (low: it covers only part of the data, e.g. a collapsed GAN).</source>
        <translation>模型能生成出类似图像的真实图像所占比例（低：它只覆盖了数据的一部分，例如坍缩的 GAN）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Density</source>
        <translation>密度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>How tightly the samples crowd into real neighbourhoods (about 1 when alike; above: it plays safe on typical images).</source>
        <translation>样本聚集在真实图像邻域中的紧密程度（相似时约为 1；高于 1：它只稳妥地画典型图像）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Coverage</source>
        <translation>覆盖率</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Share of real images with a generated image close by.</source>
        <translation>附近有生成图像的真实图像所占比例。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Diversity</source>
        <translation>多样性</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>How different two generated images are on average (below the floor: the images look alike).</source>
        <translation>两张生成图像平均有多不同（低于基准线：图像彼此相像）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copies</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Share of samples closer to a training image than real unseen images usually are (about 5% for real images).</source>
        <translation>离某张训练图像比未见过的真实图像通常还要近的样本所占比例（真实图像约为 5%）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Prompt adherence</source>
        <translation>提示词符合度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>How often the judging network sees what the prompt asked for.</source>
        <translation>评判网络在图像中看到提示词所要求内容的频率。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Mirror images</source>
        <translation>镜像图像</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Share of samples nearer a mirror image of a training image than to any training image (only where the data has a handedness, as digits and letters do; blurred or odd samples read above the floor too, so compare runs).</source>
        <translation>与某张训练图像的镜像比与任何训练图像都更接近的样本所占比例（仅在数据有左右之分时测量，如数字和字母；模糊或怪异的样本也会高于基准，所以请比较不同的运行）。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Bits/dim</source>
        <translation>比特/维</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>How many bits the model needs per pixel value of unseen real images (lower is better); exact for autoregressive models and flows, an upper bound (≤) for the others.</source>
        <translation>模型为未见过的真实图像的每个像素值需要多少比特（越低越好）；自回归模型和流模型给出精确值，其他模型给出上界（≤）。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>held-out</source>
        <translation>留出图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>slightly blurred</source>
        <translation>轻度模糊</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>heavily blurred</source>
        <translation>重度模糊</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>shuffled pixels</source>
        <translation>打乱像素</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A VAE learns to rebuild each image from a few numbers and is punished for every pixel it misses, so where it is unsure it paints the average of what fits: smooth, blurry images, good recall, lower precision.</source>
        <translation>VAE 学习用少量数字重建每张图像，每个画错的像素都会受罚，所以在拿不准的地方它会画出所有可能情况的平均：平滑、模糊的图像，召回率好，精确率较低。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A GAN&apos;s generator only has to fool a discriminator, so its images are sharp; when it collapses onto a few kinds of image that fool it, recall and diversity drop while precision stays high.</source>
        <translation>GAN 的生成器只需骗过判别器，所以它的图像很清晰；当它坍缩到少数几种能骗过判别器的图像上时，召回率和多样性下降，而精确率仍然很高。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A VAE-GAN is a VAE whose decoder also plays the GAN game: the VAE part keeps it covering the data, the adversarial part makes it sharper than a plain VAE.</source>
        <translation>VAE-GAN 是一个解码器同时参与 GAN 博弈的 VAE：VAE 部分让它覆盖数据，对抗部分让它比普通 VAE 更清晰。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A flow is an invertible map from noise to images, so it computes exact bits/dim; invertible layers are a weak way to draw images, so its samples are often noisy.</source>
        <translation>流模型是从噪声到图像的可逆映射，因此能算出精确的比特/维；但可逆层不擅长作画，所以它的样本常常带噪。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A Flow-GAN is a flow whose samples are also judged by a discriminator: it still computes bits/dim as a flow does, and gives up some of it for samples that look more like the data.</source>
        <translation>Flow-GAN 是一个样本还要接受判别器评判的流模型：它仍像流模型一样精确计算 bits/dim，并以牺牲一部分 bits/dim 换取更像数据的样本。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A diffusion model removes noise a little at a time: strong samples that cover the data, but each image takes many network passes, so sampling is slow.</source>
        <translation>扩散模型一点一点地去除噪声：样本质量高且覆盖数据，但每张图像都要多次运行网络，所以采样很慢。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>An autoregressive model predicts each pixel from the ones above and to the left: exact likelihood (bits/dim), but it draws row by row, one pixel at a time, and errors early in an image carry on.</source>
        <translation>自回归模型根据上方和左侧的像素预测每个像素：似然是精确的（比特/维），但它逐行、一次一个像素地作画，图像早期的错误会一直延续下去。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Image GPT turns every pixel into a colour from a learned palette and writes the image like text, one pixel at a time, with a transformer that sees all the pixels before it: exact bits/dim, but slow to train and to sample, so short runs show stripes and fragments.</source>
        <translation>Image GPT 把每个像素变成学到的调色板中的一种颜色，再用一个能看到之前所有像素的 Transformer 像写文字一样逐个像素写出图像：bits/dim 是精确的，但训练和采样都慢，所以短时间的训练只会画出条纹和碎片。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Latent diffusion first trains an autoencoder, then a diffusion model in its small latent grid: far cheaper steps than pixel diffusion at 32-64 px, but every sample is only as sharp as the autoencoder&apos;s reconstructions, and a short run spends part of its time on stage 1.</source>
        <translation>潜空间扩散先训练一个自编码器，再在它的小潜变量网格中训练扩散模型：在 32-64 像素时每一步比像素扩散便宜得多，但每个样本的清晰度只能达到自编码器重建的水平，而且短时间的训练有一部分时间花在第 1 阶段。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A VQ-VAE turns images into a grid of codes from a codebook, and a prior learns which codes follow which; on a small dataset the prior can learn whole code grids and copy training images (watch Copies and the strip).</source>
        <translation>VQ-VAE 把图像变成由码本中的编码组成的网格，再由先验模型学习哪些编码跟在哪些编码之后；在小数据集上，先验可能记住整张编码网格而复制训练图像（请留意“复制”一列和对照条）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A denoising diffusion GAN removes the noise in only a few big steps (4 by default), each learnt by a generator against a discriminator, so it samples several times faster than diffusion; but it trains like a GAN (it can be unstable) and has no bits/dim.</source>
        <translation>去噪扩散 GAN 只用几个大步（默认 4 步）去除噪声，每一步由一个生成器在与判别器的对抗中学会，因此采样比扩散模型快数倍；但它的训练像 GAN 一样（可能不稳定），也没有 bits/dim。</translation>
    </message>
</context>
<context>
    <name>CopyStrip</name>
    <message>
        <location filename="../panels/compare/results.py" line="-61"/>
        <source>These figures were read from the run&apos;s saved evaluation, which keeps no images: tick &quot;Measure again&quot; to see its samples here.</source>
        <translation>这些数字读取自该运行保存的评估，其中不保存图像：勾选“重新测量”即可在此看到它的样本。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Left: a generated image. Right: the training image nearest to it.</source>
        <translation>左：生成的图像。右：离它最近的训练图像。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>ratio {0:.2f} · likely copy</source>
        <translation>比值 {0:.2f} · 很可能是复制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ratio {0:.2f}</source>
        <translation>比值 {0:.2f}</translation>
    </message>
</context>
<context>
    <name>DatasetPanel</name>
    <message>
        <location filename="../panels/dataset.py" line="+100"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Open folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open a folder of images</source>
        <translation>打开图像文件夹</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Demo sets:</source>
        <translation>示例数据集：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Load the {0} demo set</source>
        <translation>加载示例数据集 {0}</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Dataset loading progress</source>
        <translation>数据集加载进度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel loading the dataset</source>
        <translation>取消加载数据集</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Dataset problem</source>
        <translation>数据集问题</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The first images of the dataset</source>
        <translation>数据集中的前几张图像</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Dataset summary</source>
        <translation>数据集概要</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+28"/>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="-27"/>
        <location line="+29"/>
        <source>Captions</source>
        <translation>图像描述</translation>
    </message>
    <message>
        <location line="-28"/>
        <source>Training time estimate</source>
        <translation>训练时间估计</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measured once a model family is chosen…</source>
        <translation>选择模型类别后开始测量…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+30"/>
        <source>Augmentation while training</source>
        <translation>训练时的数据增强</translation>
    </message>
    <message>
        <location line="+192"/>
        <source>None, unless you turn on Mirror images (Train step, Advanced settings; off by default): random left-right flips, right for photos of faces, objects, landscapes, wrong for text, digits and anything with a handedness.</source>
        <translation>无，除非打开“镜像图像”（训练步骤的高级设置；默认关闭）：随机左右翻转，适合人脸、物体、风景照片，不适合文字、数字以及任何有左右之分的内容。</translation>
    </message>
    <message>
        <location line="-217"/>
        <source>Skipped files and why</source>
        <translation>跳过的文件及原因</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Summary</source>
        <translation>概要</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Training speed</source>
        <translation>训练速度</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Loading {0}…</source>
        <translation>正在加载 {0}…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This dataset cannot be used.</source>
        <translation>此数据集无法使用。</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>the {0} demo set</source>
        <translation>示例数据集 {0}</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Loading {0}… {1:,} of {2:,}</source>
        <translation>正在加载 {0}… {1:,} / {2:,}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>, about {0} left</source>
        <translation>，大约还剩 {0}</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Unexpected error while loading {0}: {1}</source>
        <translation>加载 {0} 时发生意外错误：{1}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>All {0:,} images</source>
        <translation>全部 {0:,} 张图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0:,} of {1:,} images, spread over the set</source>
        <translation>{1:,} 张图像中均匀选取的 {0:,} 张</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>, and {0:,} more</source>
        <translation>，另有 {0:,} 个</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No labels. Put images in sub-folders, one per class, to get labels.</source>
        <translation>没有标签。把图像按类别放进子文件夹（每类一个），即可得到标签。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0:,} of {1:,} images have a caption (from {2}).</source>
        <translation>{1:,} 张图像中有 {0:,} 张带描述（来自 {2}）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No captions. A .txt beside an image, or a metadata.jsonl with file_name and text, gives one.</source>
        <translation>没有图像描述。在图像旁放一个同名 .txt 文件，或提供含 file_name 和 text 字段的 metadata.jsonl，即可添加描述。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{0}.</source>
        <comment>a sentence&apos;s full stop</comment>
        <translation>{0}。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{0:,} image</source>
        <translation>{0:,} 张图像</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{0:,} images</source>
        <translation>{0:,} 张图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0:,} label</source>
        <translation>{0:,} 个标签</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{0:,} labels</source>
        <translation>{0:,} 个标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no labels</source>
        <translation>无标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0:,} captioned</source>
        <translation>{0:,} 张带描述</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no captions</source>
        <translation>无描述</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>RGB</source>
        <translation>RGB 彩色</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>grayscale</source>
        <translation>灰度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} ({1:,} skipped), {2}, {3}, {4}×{4} {5}</source>
        <translation>{0}（跳过 {1:,} 个），{2}，{3}，{4}×{4} {5}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>from {0}</source>
        <translation>来自 {0}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>skipped: {0}</source>
        <translation>跳过：{0}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Skipped files ({0:,})</source>
        <translation>跳过的文件（{0:,}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No files were skipped</source>
        <translation>没有跳过任何文件</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>… and {0:,} more</source>
        <translation>… 还有 {0:,} 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The summary counts every skipped file by reason.</source>
        <translation>摘要按原因统计了每个被跳过的文件。</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <location line="-409"/>
        <source>Drop a folder of images here</source>
        <translation>把图像文件夹拖放到这里</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>…or anywhere on this window, or use File ▸ Open dataset…, or try a demo set above.
Sub-folders become labels; a .txt beside an image or a metadata.jsonl gives captions.
Broken, unusual or junk files are skipped and listed here with the reason.</source>
        <translation>…或拖放到窗口的任意位置，或使用“文件 ▸ 打开数据集…”，或试试上面的示例数据集。
子文件夹会成为标签；图像旁的 .txt 文件或 metadata.jsonl 提供图像描述。
损坏、格式特殊或无用的文件会被跳过，并在此列出原因。</translation>
    </message>
</context>
<context>
    <name>ExplorePanel</name>
    <message>
        <location filename="../panels/explore/panel.py" line="+38"/>
        <source>Explore</source>
        <translation>探索</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>&amp;Weights:</source>
        <translation>权重(&amp;W)：</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Train a model or open a run to explore it here.</source>
        <translation>训练一个模型或打开一次训练运行，即可在这里探索它。</translation>
    </message>
    <message>
        <location line="-59"/>
        <location filename="../panels/explore/prompt.py" line="+48"/>
        <location line="+57"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Which weights to explore</source>
        <translation>要探索哪组权重</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>Training keeps the weights that did best on held-out images beside the newest ones. When a model has started to learn its training images by heart, the best weights copy them less, though the newest may still draw the better pictures (a VAE&apos;s often do): compare both.</source>
        <translation>训练会在最新的权重旁保留在留出图像上表现最好的权重。当模型开始死记训练图像时，最好的权重较少复制训练图像，但最新的权重画出的图片可能仍然更好（VAE 常常如此）：请比较两者。</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Ctrl+G</source>
        <translation>Ctrl+G</translation>
    </message>
    <message>
        <location line="+2"/>
        <location filename="../panels/explore/prompt.py" line="+3"/>
        <source>Stop generating</source>
        <translation>停止生成</translation>
    </message>
    <message>
        <location filename="../panels/explore/prompt.py" line="-38"/>
        <location line="+6"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>What to draw, in the words of the training captions. Enter generates.</source>
        <translation>要画什么，用训练描述中出现过的词语。按回车生成。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>e.g. small red circle</source>
        <translation>例如：small red circle</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the image should not look like</source>
        <translation>图像不应该是什么样子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Negative</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>Number of images</source>
        <translation>图像数量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How many images one Generate makes</source>
        <translation>每次生成多少张图像</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Count</source>
        <translation>数量</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+26"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+99"/>
        <source>Make new images (Ctrl+G)</source>
        <translation>生成新图像（Ctrl+G）</translation>
    </message>
    <message>
        <location line="-97"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop sampling at the next step (Esc): the images drawn so far stay shown, unfinished, and are not added to the gallery</source>
        <translation>在下一步停止采样（Esc）：已画出的图像保留显示（未完成），不会加入图库</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+1"/>
        <source>Compare guidance</source>
        <translation>比较引导方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Draw the same seed and prompt once per guidance kind (classifier-free, classifier, both), one row each, so the difference is the guidance alone; classifier guidance needs a run trained with labels or captions</source>
        <translation>用同一个种子和提示词，按每种引导方式（无分类器、分类器、两者）各生成一行，使差别只来自引导方式；分类器引导需要用带标签或说明文字训练的运行</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open image…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recall the seed, prompt and options an exported image carries, and start the latent sliders from it where the model can encode images (or drop the image on this panel)</source>
        <translation>读取导出图像中保存的随机种子、提示词和选项；若模型能编码图像，潜在空间滑块也从该图像开始（也可把图像拖放到此面板）</translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Image i is drawn from seed + i: the same seed gives the same images</source>
        <translation>第 i 张图像使用种子 + i 生成：相同的种子生成相同的图像</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick a new random seed</source>
        <translation>选一个新的随机种子</translation>
    </message>
    <message>
        <location filename="../panels/explore/panel.py" line="+84"/>
        <location filename="../panels/explore/sampling.py" line="+49"/>
        <source>Press Generate to draw images.</source>
        <translation>按“生成”来绘制图像。</translation>
    </message>
    <message>
        <location filename="../panels/explore/sampling.py" line="+5"/>
        <source>Sampling progress</source>
        <translation>采样进度</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Generated images</source>
        <translation>生成的图像</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Intermediate images</source>
        <translation>中间结果图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the model expects the finished images to look like at this step</source>
        <translation>模型在这一步预测的最终图像</translation>
    </message>
    <message>
        <location filename="../panels/explore/latent.py" line="+41"/>
        <source>Latent space</source>
        <translation>潜在空间</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Image at the latent position</source>
        <translation>潜在空间当前位置的图像</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Drop an image here to start from it.</source>
        <translation>把图像拖放到这里，从它开始探索。</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+1"/>
        <source>Random start</source>
        <translation>随机起点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start from a new random point (its seed goes in the Seed box)</source>
        <translation>从一个新的随机点开始（它的种子会填入“随机种子”框）</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+1"/>
        <source>Add to gallery</source>
        <translation>加入图库</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Put this image, with its latent position, in the gallery</source>
        <translation>把这张图像连同它的潜在空间位置放入图库</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Latent sliders</source>
        <translation>潜在空间滑块</translation>
    </message>
    <message numerus="yes">
        <location filename="../panels/explore/panel.py" line="+65"/>
        <source>Generating %n image(s)…</source>
        <translation>
            <numerusform>正在生成 %n 张图像…</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../panels/explore/sampling.py" line="+51"/>
        <source>Stopped before the first image was drawn.</source>
        <translation>在画出第一张图像之前已停止。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stopped at step %1 of %2: the images shown are unfinished and were not added to the gallery.</source>
        <translation>已在第 %1 / %2 步停止：显示的图像尚未完成，没有加入图库。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Stopped: nothing was added to the gallery.</source>
        <translation>已停止：没有图像加入图库。</translation>
    </message>
    <message>
        <location filename="../panels/explore/prompt.py" line="+105"/>
        <source>Start again with the current settings (Ctrl+G): the images being drawn are dropped</source>
        <translation>用当前设置重新开始（Ctrl+G）：正在画的图像将被放弃</translation>
    </message>
    <message>
        <location filename="../panels/explore/sampling.py" line="+43"/>
        <source>step %1 of %2</source>
        <translation>第 %1 / %2 步</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Predicted clean images (x0)</source>
        <translation>预测的干净图像 (x0)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Intermediate: %1</source>
        <translation>中间结果：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../panels/explore/panel.py" line="+65"/>
        <source>%n image(s) from seed %1</source>
        <translation>
            <numerusform>%n 张图像，种子 %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../panels/explore/latent.py" line="+44"/>
        <source>Latent direction %1</source>
        <translation>潜在方向 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move along %1 (from %2 to %3); the image follows</source>
        <translation>沿 %1 移动（从 %2 到 %3）；图像随之变化</translation>
    </message>
    <message>
        <location filename="../panels/explore/panel.py" line="-114"/>
        <source>newest (step {0:,})</source>
        <translation>最新（第 {0:,} 步）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>step {0:,}</source>
        <translation>第 {0:,} 步</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>best on held-out images (step {0:,}, {1} {2:.4g})</source>
        <translation>在留出图像上最好（第 {0:,} 步，{1} {2:.4g}）</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>Comparing guidance: %1, seed %2…</source>
        <translation>正在比较引导方式：%1，种子 %2…</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Rows, top to bottom: %1; all from seed %2. Not added to the gallery.</source>
        <translation>从上到下各行：%1；全部来自种子 %2。未加入图库。</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Encoding %1…</source>
        <translation>正在编码 %1…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Started from %1.</source>
        <translation>已从 %1 开始。</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Nothing to recall</source>
        <translation>没有可读取的参数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: no genstudio parameters in this file</source>
        <translation>%1：此文件中没有 genstudio 参数</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>the image</source>
        <translation>该图像</translation>
    </message>
    <message>
        <location filename="../panels/explore/recall.py" line="+86"/>
        <source>From %1 (AUTOMATIC1111 parameters): used %2.</source>
        <translation>来自 %1（AUTOMATIC1111 参数）：已使用 %2。</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+3"/>
        <source>nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not used: %1.</source>
        <translation>未使用：%1。</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Restored %1 from %2.</source>
        <translation>已从 %2 恢复 %1。</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>latent position</source>
        <translation>潜在空间位置</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Press Generate to make it again.</source>
        <translation>按“生成”即可重新生成它。</translation>
    </message>
    <message>
        <location line="-26"/>
        <source>seed %1</source>
        <translation>种子 %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the latent position (it does not fit this model)</source>
        <translation>潜在空间位置（与此模型不匹配）</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>the prompt (this model takes none)</source>
        <translation>提示词（此模型不接受提示词）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the negative prompt (this model takes none)</source>
        <translation>反向提示词（此模型不接受反向提示词）</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>seed %1 (out of range)</source>
        <translation>种子 %1（超出范围）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>sampler %1</source>
        <translation>采样器 %1</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>sampler %1 (this model has %2)</source>
        <translation>采样器 %1（此模型使用 %2）</translation>
    </message>
    <message>
        <location filename="../panels/explore/panel.py" line="-35"/>
        <source>Open an image</source>
        <translation>打开一张图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Could not explore the model</source>
        <translation>无法探索该模型</translation>
    </message>
</context>
<context>
    <name>FamilyPanel</name>
    <message>
        <location filename="../panels/family.py" line="+28"/>
        <source>latent space</source>
        <translation>潜在空间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Has a latent space you can move through with sliders</source>
        <translation>有一个可以用滑块在其中移动的潜在空间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>encodes images</source>
        <translation>可编码图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Turns your own images into latents and back</source>
        <translation>把你自己的图像变成潜变量，再还原回来</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>text prompts</source>
        <translation>文本提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generates from a text prompt (needs captions)</source>
        <translation>根据文本提示词生成（需要图像描述）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>step by step</source>
        <translation>逐步生成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shows its images forming, step by step</source>
        <translation>一步一步地展示图像的形成过程</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>likelihood</source>
        <translation>似然</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measures how likely an image is (bits per dimension)</source>
        <translation>衡量一张图像的似然（每维比特数）</translation>
    </message>
    <message>
        <location line="+114"/>
        <source>Model family</source>
        <translation>模型类别</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading model families…</source>
        <translation>正在加载模型类别…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>How should the model learn? Each family learns in its own way and is good at different things; you can train several on the same pictures and compare.</source>
        <translation>模型应该怎样学习？每一类模型都有自己的学习方式和擅长之处；你可以在同一组图像上训练几种模型并加以比较。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Model families</source>
        <translation>模型类别</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>No model families are installed yet. Each family is a module in studio/engine/families/.</source>
        <translation>尚未安装任何模型类别。每个类别是 studio/engine/families/ 中的一个模块。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>The model families could not be loaded: {0}</source>
        <translation>无法加载模型类别：{0}</translation>
    </message>
</context>
<context>
    <name>GalleryPanel</name>
    <message>
        <location filename="../panels/gallery.py" line="+73"/>
        <source>Gallery</source>
        <translation>图库</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Generated images</source>
        <translation>生成的图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generated images. Click, Shift-click or Ctrl-click to select.</source>
        <translation>生成的图像。单击、Shift+单击或 Ctrl+单击进行选择。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Export images…</source>
        <translation>导出图像…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected images (all, if none is selected) into a folder with their generation parameters embedded (Ctrl+E)</source>
        <translation>将选中的图像（未选中时为全部）保存到一个文件夹，并嵌入生成参数（Ctrl+E）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Image format</source>
        <translation>图像格式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The format of exported images: PNG keeps every pixel; JPEG and WebP carry the same parameters in their EXIF data</source>
        <translation>导出图像的格式：PNG 保留每一个像素；JPEG 和 WebP 在 EXIF 数据中携带同样的参数</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export grid…</source>
        <translation>导出网格图…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected images (or all) as one grid PNG</source>
        <translation>将选中的图像（或全部）保存为一张网格 PNG</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Contact sheet…</source>
        <translation>缩略图总览…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected images (or all) as one PNG with a caption under each: prompt, seed, latent position</source>
        <translation>将选中的图像（或全部）保存为一张 PNG，每张图下方附说明：提示词、种子、潜在空间位置</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Export animation…</source>
        <translation>导出动画…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> fps</source>
        <translation> 帧/秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Animation speed</source>
        <translation>动画速度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Frames a second of exported animations</source>
        <translation>导出动画每秒的帧数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>size ×</source>
        <translation>尺寸 ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Animation enlargement</source>
        <translation>动画放大倍数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exported animations are this many times larger than the model&apos;s images (pixels stay sharp)</source>
        <translation>导出的动画比模型生成的图像大这么多倍（像素保持清晰）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Save how the selected image was made, frame by frame, or several selected images one after another, as an animated GIF or APNG. Images brought back from a run&apos;s gallery folder keep only their final image, not their frames.</source>
        <translation>将选中图像逐帧的生成过程，或多张选中图像依次排列，保存为 GIF 或 APNG 动画。从训练运行的图库文件夹中恢复的图像只保留最终图像，不含生成过程的各帧。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Take the selected images out of the gallery and delete the copies it kept in the run&apos;s gallery folder (files you exported stay)</source>
        <translation>从图库中移除选中的图像，并删除图库保存在训练运行图库文件夹中的副本（你导出的文件会保留）</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>These images name no run folder, so they are not kept: they stay here until genstudio closes. Export the ones you want.</source>
        <translation>这些图像没有对应的训练运行文件夹，因此不会被保存：它们只保留到 genstudio 关闭为止。请导出你想要的图像。</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Images cannot be kept in %1 (%2): they stay here until genstudio closes. Export the ones you want.</source>
        <translation>无法将图像保存到 %1（%2）：它们只保留到 genstudio 关闭为止。请导出你想要的图像。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Images could not be kept: %1</source>
        <translation>无法保存图像：%1</translation>
    </message>
    <message numerus="yes">
        <location line="+31"/>
        <source>Brought back %n image(s)</source>
        <translation>
            <numerusform>已恢复 %n 张图像</numerusform>
        </translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Not kept on disk: export it to keep it</source>
        <translation>未保存到磁盘：导出即可保留</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Being saved to %1</source>
        <translation>正在保存到 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kept in %1</source>
        <translation>已保存在 %1</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>latent %1</source>
        <translation>潜变量 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+3"/>
        <location line="+40"/>
        <source>seed %1</source>
        <translation>种子 %1</translation>
    </message>
    <message>
        <location line="-36"/>
        <location line="+38"/>
        <source>latent position</source>
        <translation>潜在空间位置</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 steps, %2</source>
        <translation>%1 步，%2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{0:,} images</source>
        <translation>{0:,} 张图像</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>1 image</source>
        <translation>1 张图像</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>Saved %n file(s)</source>
        <translation>
            <numerusform>已保存 %n 个文件</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Could not export</source>
        <translation>无法导出</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export images into folder</source>
        <translation>将图像导出到文件夹</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Save grid</source>
        <translation>保存网格图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Images (*.png *.jpg *.jpeg *.webp)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Save contact sheet</source>
        <translation>保存缩略图总览</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Save animation</source>
        <translation>保存动画</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Animated GIF (*.gif);;Animated PNG (*.png *.apng)</source>
        <translation>GIF 动画 (*.gif);;PNG 动画 (*.png *.apng)</translation>
    </message>
    <message numerus="yes">
        <location line="+41"/>
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n 张图像</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 of %2 selected</source>
        <translation>已选中 %1 / %2</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <location filename="../i18n.py" line="+186"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="+23"/>
        <location line="+4"/>
        <location line="+6"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>The language is set by the {0} environment variable; the new choice applies once it is unset.</source>
        <translation>当前语言由环境变量 {0} 决定；取消该变量后新的选择才会生效。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The new language applies the next time genstudio starts (not now: training is running).</source>
        <translation>新的语言将在下次启动 genstudio 时生效（正在训练，现在不重启）。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The new language applies when genstudio starts again. Restart now?</source>
        <translation>新的语言在 genstudio 重新启动后生效。现在重启吗？</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <location filename="../widgets/loss_plot.py" line="+68"/>
        <source>Loss plot</source>
        <translation>损失曲线图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training losses (smoothed lines) and validation losses (points) against the training step</source>
        <translation>训练损失（平滑曲线）和验证损失（点）随训练步数的变化</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>One chart per loss. Line: training loss, smoothed. Points: validation loss on held-out images.
Drag to pan, wheel to zoom, right-click for more.</source>
        <translation>每种损失一张图。曲线：平滑后的训练损失。点：在留出图像上的验证损失。
拖动可平移，滚轮可缩放，右键查看更多选项。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The losses appear here once training starts.</source>
        <translation>开始训练后，损失曲线会显示在这里。</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Sample quality: KID (lower is better)</source>
        <translation>样本质量：KID（越低越好）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompts followed (higher is better)</source>
        <translation>遵循提示的比例（越高越好）</translation>
    </message>
    <message>
        <location line="+113"/>
        <source>Loss charts</source>
        <translation>损失图表</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="+111"/>
        <source>genstudio</source>
        <translation>genstudio</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Loading model families…</source>
        <translation>正在加载模型类别…</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Steps</source>
        <translation>步骤</translation>
    </message>
    <message>
        <location line="+35"/>
        <location line="+59"/>
        <location line="+196"/>
        <source>Explore</source>
        <translation>探索</translation>
    </message>
    <message>
        <location line="-254"/>
        <source>Explore opens once the model families are loaded.</source>
        <translation>模型类别加载完成后即可打开“探索”。</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+58"/>
        <location line="+196"/>
        <source>Gallery</source>
        <translation>图库</translation>
    </message>
    <message>
        <location line="-253"/>
        <source>Generated images collect here.</source>
        <translation>生成的图像会汇集在这里。</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>&amp;Open dataset…</source>
        <translation>打开数据集(&amp;O)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load a folder of images as the dataset</source>
        <translation>加载一个图像文件夹作为数据集</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;run…</source>
        <translation>打开训练运行(&amp;R)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open a run folder: explore its model or continue training it</source>
        <translation>打开一个训练运行文件夹：探索它的模型或继续训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Quit genstudio</source>
        <translation>退出 genstudio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Q</source>
        <translation>Ctrl+Q</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+521"/>
        <source>&amp;Train</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <location line="-521"/>
        <source>Train, pause or resume (Ctrl+T, Space)</source>
        <translation>训练、暂停或继续（Ctrl+T，空格键）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+T</source>
        <translation>Ctrl+T</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Stop training and save (Ctrl+.)</source>
        <translation>停止训练并保存（Ctrl+.）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+.</source>
        <translation>Ctrl+.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save &amp;now</source>
        <translation>立即保存(&amp;N)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Write a checkpoint now (Ctrl+S)</source>
        <translation>立即写入检查点（Ctrl+S）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sample n&amp;ow</source>
        <translation>立即采样(&amp;O)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show a training preview now (Ctrl+R)</source>
        <translation>立即显示训练预览（Ctrl+R）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About genstudio</source>
        <translation>关于 genstudio(&amp;A)</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+174"/>
        <source>About genstudio</source>
        <translation>关于 genstudio</translation>
    </message>
    <message>
        <location line="-165"/>
        <location line="+192"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="-192"/>
        <location line="+194"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="-194"/>
        <location line="+195"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="-194"/>
        <location line="+197"/>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <location line="-196"/>
        <source>Show the {0} step</source>
        <translation>显示“{0}”步骤</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open r&amp;ecent run</source>
        <translation>最近的训练运行(&amp;E)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Training toolbar</source>
        <translation>训练工具栏</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>Open a folder of images</source>
        <translation>打开图像文件夹</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Open a run folder</source>
        <translation>打开训练运行文件夹</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>{0}  ({1})</source>
        <translation>{0}  （{1}）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No runs yet</source>
        <translation>还没有训练运行</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Opening run {0}…</source>
        <translation>正在打开训练运行 {0}…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&lt;h3&gt;genstudio {0}&lt;/h3&gt;&lt;p&gt;Train image generative models (VAE, GAN, flow, diffusion, autoregressive) on your own pictures, watch them learn, and explore what they learned.&lt;/p&gt;&lt;p&gt;Every model is written from scratch in plain PyTorch. MIT licence.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;genstudio {0}&lt;/h3&gt;&lt;p&gt;用你自己的图像训练图像生成模型（变分自编码器、生成对抗网络、归一化流、扩散模型、自回归模型），观察它们学习的过程，并探索它们学到了什么。&lt;/p&gt;&lt;p&gt;每个模型都用纯 PyTorch 从零写成。MIT 许可证。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+26"/>
        <location line="+5"/>
        <source>{0:,} images</source>
        <translation>{0:,} 张图像</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Drop a folder</source>
        <translation>拖入一个文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose a family</source>
        <translation>选择一个模型类别</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model ready</source>
        <translation>模型已就绪</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>After training</source>
        <translation>训练之后可用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Empty</source>
        <translation>空</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Completed at step {0:,}</source>
        <translation>已完成，共 {0:,} 步</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Failed at step {0:,}</source>
        <translation>在第 {0:,} 步失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped at step {0:,}</source>
        <translation>已停止于第 {0:,} 步</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Not started</source>
        <translation>尚未开始</translation>
    </message>
    <message>
        <location line="-305"/>
        <source>Data → Model → Train → Explore → Gallery → Compare (Ctrl+1 … Ctrl+6)</source>
        <translation>数据 → 模型 → 训练 → 探索 → 图库 → 比较（Ctrl+1 … Ctrl+6）</translation>
    </message>
    <message>
        <location line="+308"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Step {0:,}</source>
        <translation>第 {0:,} 步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pausing…</source>
        <translation>正在暂停…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Paused at {0:,}</source>
        <translation>已暂停于第 {0:,} 步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Drop to restore what made this image</source>
        <translation>松开即可恢复生成这张图像的一切设置</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Drop to load it as the dataset</source>
        <translation>松开即可将其加载为数据集</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>{0} items were dropped. Drop one folder (or one image); to use several images, put them in a folder and drop that.</source>
        <translation>拖入了 {0} 个项目。请拖入一个文件夹（或一张图像）；要使用多张图像，请把它们放进一个文件夹再拖入该文件夹。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Explore is still loading; drop {0} again in a moment</source>
        <translation>“探索”仍在加载；请稍后再次拖入 {0}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The run that made {0} ({1}) is not on this computer, so it cannot be regenerated here; its prompt, seed and options are filled in.</source>
        <translation>生成 {0} 的训练运行（{1}）不在这台计算机上，因此无法在此重新生成；已填入它的提示词、种子和选项。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Training is running, so {0} (the run that made {1}) was not opened; stop training and drop the image again to regenerate it.</source>
        <translation>正在训练，因此没有打开 {0}（生成 {1} 的训练运行）；请停止训练后再次拖入该图像以重新生成。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Opening {0}, the run that made {1}…</source>
        <translation>正在打开生成 {1} 的训练运行 {0}…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>The checkpoint that made this image is no longer in its run (the image: {0} at step {1}; the run now: {2} at step {3}), so Generate will make a different image.</source>
        <translation>生成这张图像的检查点已不在其训练运行中（图像：{0}，第 {1} 步；当前运行：{2}，第 {3} 步），因此“生成”会得到不同的图像。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The run that made {0} could not be opened: {1}</source>
        <translation>无法打开生成 {0} 的训练运行：{1}</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>The model families could not be loaded</source>
        <translation>无法加载模型类别</translation>
    </message>
    <message>
        <location line="+74"/>
        <source>Loading {0}…</source>
        <translation>正在加载 {0}…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Loaded {0:,} images, {1:,} skipped</source>
        <translation>已加载 {0:,} 张图像，跳过 {1:,} 个</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The dataset could not be loaded</source>
        <translation>无法加载数据集</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Resume</source>
        <translation>继续(&amp;R)</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>step {0:,}{1} · {2:.0f}% · {3:,.0f} img/s</source>
        <translation>第 {0:,}{1} 步 · {2:.0f}% · {3:,.0f} 张/秒</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Opened {0} at step {1:,}: explore it, or press Train to continue</source>
        <translation>已打开 {0}（第 {1:,} 步）：可以探索它，或按“训练”继续训练</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The run&apos;s newest checkpoint could not be used</source>
        <translation>无法使用该运行最新的检查点</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Training stopped: the run could not be saved; its model is still in memory (File ▸ Save run as…)</source>
        <translation>训练已停止：训练运行无法保存；模型仍在内存中（文件 ▸ 运行另存为…）</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>The run is not saved</source>
        <translation>训练运行尚未保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training stopped because its checkpoint could not be saved, and the model in memory will be lost. Quit anyway? (File ▸ Save run as… saves it in another folder.)</source>
        <translation>训练因检查点无法保存而停止，内存中的模型将会丢失。仍要退出吗？（文件 ▸ 运行另存为… 可把它保存到另一个文件夹。）</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Following {0}: another process trains it; Explore samples from its newest checkpoint</source>
        <translation>正在跟随 {0}：另一个进程在训练它；探索从它最新的检查点采样</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Following {0}: another process has begun training it</source>
        <translation>正在跟随 {0}：另一个进程已开始训练它</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Explore samples from step {0:,} of the followed run</source>
        <translation>探索从所跟随训练运行的第 {0:,} 步采样</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The run could not be opened</source>
        <translation>无法打开该训练运行</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Measuring a few training steps…</source>
        <translation>正在测量几个训练步…</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Could not measure: {0}</source>
        <translation>无法测量：{0}</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Training is running</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop training, save a checkpoint and quit? The run can be continued later (File ▸ Open run).</source>
        <translation>停止训练、保存检查点并退出吗？之后可以继续这次训练（文件 ▸ 打开训练运行）。</translation>
    </message>
</context>
<context>
    <name>PreviewPanel</name>
    <message>
        <location filename="../panels/preview.py" line="+53"/>
        <source>Predicted clean images</source>
        <translation>预测的干净图像</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reconstructions</source>
        <translation>重建</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Live preview</source>
        <translation>实时预览</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Samples appear here as the model learns. Press Train to start.</source>
        <translation>模型学习时，样本会显示在这里。按“训练”开始。</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+192"/>
        <source>How the first image formed, noisy → clean</source>
        <translation>第一张图像的形成过程：噪声 → 清晰</translation>
    </message>
    <message>
        <location line="-189"/>
        <source>Denoising strip</source>
        <translation>去噪过程条</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The first image at evenly spaced sampling steps, from noise to the result</source>
        <translation>第一张图像在均匀间隔的采样步上的样子，从噪声到结果</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Preview timeline</source>
        <translation>预览时间线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Drag back to see this run&apos;s earlier previews; all the way right follows training live</source>
        <translation>向左拖动可查看这次训练较早的预览；拖到最右侧则实时跟随训练</translation>
    </message>
    <message>
        <location line="+16"/>
        <source> fps</source>
        <translation> 帧/秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Animation speed</source>
        <translation>动画速度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Frames a second of saved animations</source>
        <translation>保存动画每秒的帧数</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+1"/>
        <location line="+203"/>
        <source>Save animation</source>
        <translation>保存动画</translation>
    </message>
    <message>
        <location line="-202"/>
        <source>Save the shown preview&apos;s sampling, or the whole timeline, as an animated GIF or APNG</source>
        <translation>将当前预览的采样过程或整条时间线保存为 GIF 或 APNG 动画</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>This preview&apos;s sampling…</source>
        <translation>当前预览的采样过程…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The whole timeline…</source>
        <translation>整条时间线…</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Samples appear here as the model learns.</source>
        <translation>模型学习时，样本会显示在这里。</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Step {0:,}{1}{2}</source>
        <translation>第 {0:,} 步{1}{2}</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Samples</source>
        <translation>样本</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>How the first image formed, noisy → clean (below: the model&apos;s guess of the clean image at each step)</source>
        <translation>第一张图像的形成过程：噪声 → 清晰（下方：模型在每一步对干净图像的预测）</translation>
    </message>
    <message>
        <location line="+21"/>
        <source> · live</source>
        <translation> · 实时</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} / {1} · step {2:,}{3}</source>
        <translation>{0} / {1} · 第 {2:,} 步{3}</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Animated GIF (*.gif);;Animated PNG (*.png *.apng)</source>
        <translation>GIF 动画 (*.gif);;PNG 动画 (*.png *.apng)</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Could not save the animation</source>
        <translation>无法保存动画</translation>
    </message>
</context>
<context>
    <name>QualityPlot</name>
    <message>
        <location filename="../panels/compare/results.py" line="-89"/>
        <source>Not measured during training: none of these runs logged KID while it trained, so there is no quality-over-time curve. The table above measures each run&apos;s last checkpoint.</source>
        <translation>训练期间未测量：这些运行在训练时都没有记录 KID，因此没有质量随时间变化的曲线。上面的表格测量的是每个运行的最后一个检查点。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not measured during training: {0}</source>
        <translation>训练期间未测量：{0}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KID measured while each run trained (lower is better).</source>
        <translation>各运行训练期间测得的 KID（越低越好）。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KID</source>
        <translation>KID</translation>
    </message>
</context>
<context>
    <name>RunArchiveActions</name>
    <message>
        <location filename="../archive_actions.py" line="+51"/>
        <source>&amp;Export run…</source>
        <translation>导出训练运行(&amp;E)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save a run as one zip: its weights (safetensors), settings, history, the images its gallery kept, and a model card with its training curve and samples</source>
        <translation>将训练运行保存为一个 zip：权重（safetensors）、设置、历史记录、图库中保存的图像，以及附训练曲线和样本的模型卡</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Import run…</source>
        <translation>导入训练运行(&amp;I)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add a run someone exported (a zip) to your runs, after checking that it holds nothing but a model</source>
        <translation>把别人导出的训练运行（zip）加入你的训练运行，导入前会检查其中只包含模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Export or import progress</source>
        <translation>导出或导入进度</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Choose the run to export</source>
        <translation>选择要导出的训练运行</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Export run</source>
        <translation>导出训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zip archive (*.zip)</source>
        <translation>Zip 压缩包 (*.zip)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Import run</source>
        <translation>导入训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exported run (*.zip)</source>
        <translation>导出的训练运行 (*.zip)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Exporting {0} to {1}…</source>
        <translation>正在将 {0} 导出到 {1}…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The run could not be exported</source>
        <translation>无法导出该训练运行</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Checking and importing {0}…</source>
        <translation>正在检查并导入 {0}…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The run could not be imported</source>
        <translation>无法导入该训练运行</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Imported as {0}</source>
        <translation>已导入为 {0}</translation>
    </message>
</context>
<context>
    <name>SampleGrids</name>
    <message>
        <location filename="../panels/compare/results.py" line="-190"/>
        <source>{0} · step {1:,}</source>
        <translation>{0} · 第 {1:,} 步</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Samples of {0}</source>
        <translation>{0} 的样本</translation>
    </message>
</context>
<context>
    <name>SaveRunAs</name>
    <message>
        <location filename="../save_run.py" line="+81"/>
        <source>Save run &amp;as…</source>
        <translation>运行另存为(&amp;A)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+Shift+S</source>
        <translation>Ctrl+Shift+S</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the whole run (settings, checkpoints, history, previews, kept images) in another folder and go on working with it there</source>
        <translation>把整个训练运行（设置、检查点、历史、预览、保留的图像）保存到另一个文件夹，并在那里继续工作</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Save run as: choose a folder (an empty one, or one to hold {0})</source>
        <translation>运行另存为：选择一个文件夹（空文件夹，或用来存放 {0} 的文件夹）</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>{0}: could not write there: {1}.</source>
        <translation>{0}：无法写入：{1}。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>About {0} more is needed there.</source>
        <translation>那里还需要大约 {0} 的空间。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The last good checkpoint, {0} (step {1:,}), is unchanged.</source>
        <translation>最后一个完好的检查点 {0}（第 {1:,} 步）没有改变。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The run has no checkpoint on disk yet.</source>
        <translation>这个训练运行在磁盘上还没有检查点。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The run could not be saved</source>
        <translation>无法保存训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training stopped at step {0:,}: its checkpoint could not be saved. The model is still in memory. Save run as… writes the whole run, with this model, to a folder you choose on a disk with room, and training continues there.</source>
        <translation>训练在第 {0:,} 步停止：检查点无法保存。模型仍在内存中。“运行另存为…”会把整个训练运行连同这个模型写入你在有空间的磁盘上选择的文件夹，训练将在那里继续。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Save run as…</source>
        <translation>运行另存为…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Saving {0} as {1}…</source>
        <translation>正在把 {0} 另存为 {1}…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Saved the run as {0}; it opens there</source>
        <translation>训练运行已另存为 {0}，并在那里打开</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The run could not be saved there</source>
        <translation>无法把训练运行保存到那里</translation>
    </message>
</context>
<context>
    <name>ScoresTable</name>
    <message>
        <location filename="../panels/compare/results.py" line="+24"/>
        <source>Scores</source>
        <translation>得分</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0}, step {1:,}
{2}</source>
        <translation>{0}，第 {1:,} 步
{2}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Real images (floor)</source>
        <translation>真实图像（基准线）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training images scored as if they were samples: what &quot;as good as real&quot; reads on this data with this many images.</source>
        <translation>把训练图像当作样本来评分：表示在这些数据和这么多图像下，“和真实图像一样好”读数是多少。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What it means</source>
        <translation>含义</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <location filename="../panels/training.py" line="+77"/>
        <source>Quick</source>
        <translation>快速</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The smallest model for 2 minutes at 32 px: see it learn right away.</source>
        <translation>最小的模型，以 32 像素训练 2 分钟：马上就能看到它学习。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A mid-sized model for 15 minutes at 32 px.</source>
        <translation>中等大小的模型，以 32 像素训练 15 分钟。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quality</source>
        <translation>高质量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The largest model for an hour at 64 px; a GPU helps a lot.</source>
        <translation>最大的模型，以 64 像素训练一小时；有 GPU 会快很多。</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Automatic: {0}</source>
        <translation>自动：{0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>GPU {0}: {1}</source>
        <translation>GPU {0}：{1}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Apple GPU (MPS)</source>
        <translation>Apple GPU (MPS)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU: {0}</source>
        <translation>CPU：{0}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>About {0} per 1000 steps on {1} ({2}), measured over {3} real steps at batch {4}, {5} px.</source>
        <translation>在 {1}（{2}）上每 1000 步约需 {0}；基于批大小 {4}、{5} 像素下实际运行的 {3} 步测得。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} min {1:02d} s</source>
        <translation>{0} 分 {1:02d} 秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} h {1:02d} min</source>
        <translation>{0} 小时 {1:02d} 分</translation>
    </message>
    <message>
        <location line="+55"/>
        <location line="+138"/>
        <location line="+363"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="-488"/>
        <source>Training settings and controls</source>
        <translation>训练设置与控制</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{0} preset</source>
        <translation>{0}预设</translation>
    </message>
    <message>
        <location line="+19"/>
        <location line="+48"/>
        <source>Model size</source>
        <translation>模型大小</translation>
    </message>
    <message>
        <location line="-47"/>
        <source>The family&apos;s model size preset: bigger learns more, slower</source>
        <translation>该类别的模型大小预设：越大学得越多，但越慢</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+47"/>
        <source>Image size</source>
        <translation>图像尺寸</translation>
    </message>
    <message>
        <location line="-46"/>
        <source>Images are scaled and centre-cropped to this many pixels a side</source>
        <translation>图像会被缩放并居中裁剪为边长这么多像素</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} × {0} px</source>
        <translation>{0} × {0} 像素</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+43"/>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location line="-42"/>
        <source>Images per training step</source>
        <translation>每个训练步的图像数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training length</source>
        <translation>训练时长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How long to train (a run can be continued later)</source>
        <translation>训练多久（之后可以继续训练）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training length unit</source>
        <translation>训练时长单位</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train for a number of minutes or of steps</source>
        <translation>按分钟数或训练步数训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+34"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Step size of the optimizer (AdamW); the family suggests one</source>
        <translation>优化器（AdamW）的步长；模型类别会给出建议值</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+30"/>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <location line="-27"/>
        <location line="+4"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="-2"/>
        <location line="+26"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="-25"/>
        <source>Where to train; Automatic picks a GPU when there is one</source>
        <translation>在哪里训练；“自动”会在有 GPU 时选择 GPU</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+24"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>The same seed, settings and data train the same model</source>
        <translation>相同的随机种子、设置和数据会训练出相同的模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+2"/>
        <source>Mirror images</source>
        <translation>镜像图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Random left-right flips while training: more variety for faces, objects, landscapes; wrong for text, digits, anything with a handedness.</source>
        <translation>训练时随机左右翻转：为人脸、物体、风景增加变化；不适合文字、数字以及任何有左右之分的内容。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Train for</source>
        <translation>训练时长</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Augmentation</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+2"/>
        <source>Advanced settings</source>
        <translation>高级设置</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Show or hide the advanced settings</source>
        <translation>显示或隐藏高级设置</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Start training (Ctrl+T)</source>
        <translation>开始训练（Ctrl+T）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Stop and save (Ctrl+.)</source>
        <translation>停止并保存（Ctrl+.）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save now</source>
        <translation>立即保存</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Write a checkpoint now</source>
        <translation>立即写入检查点</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sample now</source>
        <translation>立即采样</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show a preview now instead of waiting for the next one</source>
        <translation>立即显示预览，不必等待下一次</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>New run</source>
        <translation>新的训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start a new run instead of continuing this one</source>
        <translation>开始新的训练运行，而不是继续当前这次</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Training progress</source>
        <translation>训练进度</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not started</source>
        <translation>尚未开始</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>⚠ This dataset has a handedness: flipped, {0:.0%} of its images look unlike the rest, most of all {1}. The model will learn to draw them mirrored.</source>
        <translation>⚠ 此数据集有左右之分：翻转后，{0:.0%} 的图像与其余图像不像，尤以 {1} 为甚。模型会学着画出它们的镜像。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>⚠ This dataset has a handedness: flipped, {0:.0%} of its images look unlike the rest. The model will learn to draw them mirrored.</source>
        <translation>⚠ 此数据集有左右之分：翻转后，{0:.0%} 的图像与其余图像不像。模型会学着画出它们的镜像。</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>process {0} on {1}, since {2}</source>
        <translation>{1} 上的进程 {0}，自 {2} 起</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>another process</source>
        <translation>另一个进程</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Another process is training this run ({0}). Train is off until it ends; Explore samples from its newest checkpoint meanwhile.</source>
        <translation>另一个进程正在训练这个运行（{0}）。在它结束之前无法训练；其间探索会从它最新的检查点采样。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Following · step {0:,}{1} · {2:.0f}%</source>
        <translation>跟随中 · 第 {0:,} 步{1} · {2:.0f}%</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>● Trained elsewhere, followed live: {0}</source>
        <translation>● 在别处训练，实时跟随：{0}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Trained elsewhere: completed at step {0:,}</source>
        <translation>在别处训练：已在第 {0:,} 步完成</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Trained elsewhere: stopped at step {0:,}; Train continues it.</source>
        <translation>在别处训练：已在第 {0:,} 步停止；点“训练”可继续。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No longer updating · step {0:,}</source>
        <translation>不再更新 · 第 {0:,} 步</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>no sign of {0} for {1}</source>
        <translation>{1} 内没有 {0} 的任何动静</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>nothing written for {0}</source>
        <translation>{0} 内没有写入任何内容</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trained elsewhere: no longer updating, {0}. Train takes the run over.</source>
        <translation>在别处训练：不再更新，{0}。点“训练”将接管这个运行。</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>{0} Model size: {1} ({2}).</source>
        <translation>{0} 模型大小：{1}（{2}）。</translation>
    </message>
    <message>
        <location line="+98"/>
        <source>Choose a model family first (the Model step).</source>
        <translation>请先选择模型类别（“模型”步骤）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Load a dataset first (the Data step): drop a folder on the window or pick a demo set.</source>
        <translation>请先加载数据集（“数据”步骤）：把文件夹拖入窗口，或选择一个示例数据集。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The dataset is being loaded at the new image size…</source>
        <translation>正在按新的图像尺寸加载数据集…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Continue run</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Ready to train {0}. Pick a preset and press Train (Ctrl+T).</source>
        <translation>准备训练{0}。选择一个预设，然后按“训练”（Ctrl+T）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Continuing {0} from step {1:,}: Train adds the length below.</source>
        <translation>从第 {1:,} 步继续 {0}：“训练”会再训练下面设定的时长。</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+41"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location line="-41"/>
        <source>Training. Space or Ctrl+T pauses.</source>
        <translation>正在训练。按空格键或 Ctrl+T 暂停。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pausing…</source>
        <translation>正在暂停…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Paused: the model stays in memory; you can sample from it in Explore.</source>
        <translation>已暂停：模型保留在内存中；可以在“探索”中从它采样。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stopping and saving…</source>
        <translation>正在停止并保存…</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Training cannot start: {0}</source>
        <translation>无法开始训练：{0}</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Batch too large for this device</source>
        <translation>批大小超出此设备的内存</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Train with batch {0}</source>
        <translation>以批大小 {0} 训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train anyway</source>
        <translation>仍然训练</translation>
    </message>
    <message>
        <location line="+84"/>
        <source>Step {0:,}: sample quality KID {1:.3g} ± {2:.2g} ({3} samples)</source>
        <translation>第 {0:,} 步：样本质量 KID {1:.3g} ± {2:.2g}（{3} 个样本）</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Resumed</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} {1:,} parameters on {2} ({3}: {4}); precision {5} ({6}); {7} training images, {8} held out; run folder {9}</source>
        <translation>{0}：{1:,} 个参数，设备 {2}（{3}：{4}）；精度 {5}（{6}）；{7} 张训练图像，{8} 张留出；训练运行文件夹 {9}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Augmentation: left-right mirror flips</source>
        <translation>数据增强：左右镜像翻转</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Augmentation: none</source>
        <translation>数据增强：无</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Training {0} on {1}</source>
        <translation>正在 {1} 上训练 {0}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>step {0:,}{1} · {2:.0f}%</source>
        <translation>第 {0:,}{1} 步 · {2:.0f}%</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} · {1}</source>
        <translation>{0} · {1}</translation>
    </message>
    <message>
        <location line="-433"/>
        <location line="+434"/>
        <source>{0:,.0f} images/s · ETA {1} · elapsed {2}</source>
        <translation>{0:,.0f} 张/秒 · 预计剩余 {1} · 已用 {2}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Saved a checkpoint at step {0:,}</source>
        <translation>已在第 {0:,} 步保存检查点</translation>
    </message>
    <message>
        <location line="-40"/>
        <source>Step {0:,}: {1}</source>
        <translation>第 {0:,} 步：{1}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Training failed at step {0:,}: {1}</source>
        <translation>训练在第 {0:,} 步失败：{1}</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Paused at step {0:,}</source>
        <translation>已暂停于第 {0:,} 步</translation>
    </message>
    <message>
        <location line="-431"/>
        <location line="+439"/>
        <source>Completed at step {0:,}</source>
        <translation>已完成，共 {0:,} 步</translation>
    </message>
    <message>
        <location line="-677"/>
        <source>Automatic uses bf16 where the hardware is fast at it (recent GPUs; CPUs with AVX512-BF16 or AMX where a short timing, once per machine, found it faster), else fp32</source>
        <translation>自动：在硬件擅长 bf16 的地方使用 bf16（较新的 GPU；带 AVX512-BF16 或 AMX 且经每台机器一次的短暂计时确认更快的 CPU），否则使用 fp32</translation>
    </message>
    <message>
        <location line="+241"/>
        <location line="+436"/>
        <source>Stopped at step {0:,}</source>
        <translation>已停止于第 {0:,} 步</translation>
    </message>
    <message>
        <location line="-432"/>
        <source>process {0} on {1}</source>
        <translation>{1} 上的进程 {0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} is no longer running</source>
        <translation>{0} 已不在运行</translation>
    </message>
    <message>
        <location line="+431"/>
        <source>Failed at step {0:,}</source>
        <translation>在第 {0:,} 步失败</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>; saved {0}</source>
        <translation>；已保存 {0}</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>unexpected error: {0}: {1}</source>
        <translation>意外错误：{0}：{1}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training stopped: {0}</source>
        <translation>训练已停止：{0}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped by an error</source>
        <translation>因错误而停止</translation>
    </message>
</context>
<context>
    <name>engine</name>
    <message>
        <source>Permission denied</source>
        <comment>os.EACCES</comment>
        <translation>权限不足</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No such file or directory</source>
        <comment>os.ENOENT</comment>
        <translation>没有这个文件或目录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Is a directory</source>
        <comment>os.EISDIR</comment>
        <translation>是一个目录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a directory</source>
        <comment>os.ENOTDIR</comment>
        <translation>不是目录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File exists</source>
        <comment>os.EEXIST</comment>
        <translation>文件已存在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No space left on device</source>
        <comment>os.ENOSPC</comment>
        <translation>设备上没有剩余空间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read-only file system</source>
        <comment>os.EROFS</comment>
        <translation>只读文件系统</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File name too long</source>
        <comment>os.ENAMETOOLONG</comment>
        <translation>文件名太长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Too many levels of symbolic links</source>
        <comment>os.ELOOP</comment>
        <translation>符号链接层数过多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Disk quota exceeded</source>
        <comment>os.EDQUOT</comment>
        <translation>超出磁盘配额</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Input/output error</source>
        <comment>os.EIO</comment>
        <translation>输入/输出错误</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Operation not permitted</source>
        <comment>os.EPERM</comment>
        <translation>不允许的操作</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Directory not empty</source>
        <comment>os.ENOTEMPTY</comment>
        <translation>目录不是空的</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device or resource busy</source>
        <comment>os.EBUSY</comment>
        <translation>设备或资源忙</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Invalid argument</source>
        <comment>os.EINVAL</comment>
        <translation>无效的参数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Too many open files</source>
        <comment>os.EMFILE</comment>
        <translation>打开的文件过多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a dataset is a folder, an image file or &apos;demo:NAME&apos;, not {source!r}</source>
        <comment>dataset.not_a_source</comment>
        <translation>数据集应是文件夹、图像文件或 &apos;demo:名称&apos;，而不是 {source!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>size must be a whole number of pixels from 4 to 1024, got {size!r}</source>
        <comment>dataset.bad_size</comment>
        <translation>尺寸必须是 4 到 1024 之间的整数像素，实际为 {size!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>channels must be 1 (grayscale), 3 (RGB) or None (automatic), got {channels!r}</source>
        <comment>dataset.bad_channels</comment>
        <translation>通道数必须是 1（灰度）、3（RGB）或 None（自动），实际为 {channels!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>workers must be a whole number of at least 1, got {workers!r}</source>
        <comment>dataset.bad_workers</comment>
        <translation>workers 必须是至少为 1 的整数，实际为 {workers!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>max_pixels must be a positive whole number, got {max_pixels!r}</source>
        <comment>dataset.bad_max_pixels</comment>
        <translation>max_pixels 必须是正整数，实际为 {max_pixels!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; is a broken symbolic link</source>
        <comment>dataset.broken_link</comment>
        <translation>&apos;{path}&apos; 是一个失效的符号链接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; does not exist</source>
        <comment>dataset.not_found</comment>
        <translation>&apos;{path}&apos; 不存在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; cannot be read: {reason:lower}</source>
        <comment>dataset.unreadable</comment>
        <translation>无法读取 &apos;{path}&apos;：{reason:lower}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; is not a usable path: {error}</source>
        <comment>dataset.unusable_path</comment>
        <translation>&apos;{path}&apos; 不是可用的路径：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; is neither a folder nor an image file ({extensions})</source>
        <comment>dataset.not_folder_or_image</comment>
        <translation>&apos;{path}&apos; 既不是文件夹也不是图像文件（{extensions}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loading &apos;{path}&apos; cancelled</source>
        <comment>dataset.cancelled</comment>
        <translation>已取消加载 &apos;{path}&apos;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; contains no images ({reason})</source>
        <comment>dataset.no_images</comment>
        <translation>&apos;{path}&apos; 中没有图像（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{count:,} other {count:plural:file/files}, none with an image extension: {extensions}</source>
        <comment>dataset.other_files</comment>
        <translation>{count:,} 个其他文件，没有一个带图像扩展名：{extensions}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; is empty (no files in it or its sub-folders)</source>
        <comment>dataset.empty</comment>
        <translation>&apos;{path}&apos; 是空的（其中及其子文件夹中都没有文件）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos;: not enough memory for {count:,} images at {size}x{size} ({gib:.1f} GiB); use a smaller size or fewer images</source>
        <comment>dataset.out_of_memory</comment>
        <translation>&apos;{path}&apos;：内存不足以容纳 {count:,} 张 {size}x{size} 的图像（{gib:.1f} GiB）；请使用更小的尺寸或更少的图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; cannot be used: {reason}</source>
        <comment>dataset.unusable</comment>
        <translation>&apos;{path}&apos; 无法使用：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{count:,} {count:plural:file/files} skipped: {items}</source>
        <comment>dataset.skipped</comment>
        <translation>跳过了 {count:,} 个文件：{items}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{count:,} {count:plural:file/files} skipped: {items}; and {more:,} more</source>
        <comment>dataset.skipped_more</comment>
        <translation>跳过了 {count:,} 个文件：{items}；另有 {more:,} 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: {reason}</source>
        <comment>dataset.skipped_file</comment>
        <translation>{path}: {reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>folder &apos;{path}&apos; could not be read: {reason:lower}</source>
        <comment>dataset.folder_unreadable</comment>
        <translation>无法读取文件夹 &apos;{path}&apos;：{reason:lower}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;{path}&apos; links to a folder already read (symbolic link loop?); not followed</source>
        <comment>dataset.link_loop</comment>
        <translation>&apos;{path}&apos; 链接到一个已读取过的文件夹（符号链接循环？）；未跟随</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>caption &apos;{path}&apos; could not be read: {reason:lower}</source>
        <comment>dataset.caption_unreadable</comment>
        <translation>无法读取描述文件 &apos;{path}&apos;：{reason:lower}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: {count:,} bad {count:plural:line/lines} ignored (first: {first})</source>
        <comment>dataset.bad_metadata_lines</comment>
        <translation>{path}：忽略了 {count:,} 行有问题的内容（第一处：{first}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: {count:,} {count:plural:entry/entries} name files that were not loaded</source>
        <comment>dataset.unmatched_metadata</comment>
        <translation>{path}：有 {count:,} 条记录指向未加载的文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>line {line}: {reason}</source>
        <comment>metadata.line</comment>
        <translation>第 {line} 行：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not valid CSV: {error}</source>
        <comment>metadata.not_csv</comment>
        <translation>不是有效的 CSV：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not valid JSON</source>
        <comment>metadata.not_json</comment>
        <translation>不是有效的 JSON</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an object with file_name and text</source>
        <comment>metadata.not_an_object</comment>
        <translation>不是含 file_name 和 text 的对象</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no file_name</source>
        <comment>metadata.no_file_name</comment>
        <translation>没有 file_name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no text or caption</source>
        <comment>metadata.no_text</comment>
        <translation>没有 text 或 caption</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>macOS metadata file</source>
        <comment>skip.macos_metadata</comment>
        <translation>macOS 元数据文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>broken symbolic link</source>
        <comment>skip.broken_link</comment>
        <translation>失效的符号链接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>vanished while reading</source>
        <comment>skip.vanished</comment>
        <translation>读取时文件消失了</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot read: {reason:lower}</source>
        <comment>skip.unreadable</comment>
        <translation>无法读取：{reason:lower}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a regular file</source>
        <comment>skip.not_regular</comment>
        <translation>不是普通文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot decode: {error}</source>
        <comment>skip.undecodable</comment>
        <translation>无法解码：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>corrupt {format}: not readable as an image</source>
        <comment>skip.unidentified</comment>
        <translation>损坏的 {format}：无法作为图像读取</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an image (unrecognised format)</source>
        <comment>skip.unrecognised</comment>
        <translation>不是图像（无法识别的格式）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too large: {error}</source>
        <comment>skip.bomb</comment>
        <translation>过大：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too large: declares {width}x{height} pixels (limit {limit:g} megapixels)</source>
        <comment>skip.declares_too_many_pixels</comment>
        <translation>过大：声明为 {width}x{height} 像素（上限 {limit:g} 百万像素）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>truncated or corrupt {format}: {error}</source>
        <comment>skip.truncated</comment>
        <translation>{format} 被截断或已损坏：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>empty file (0 bytes)</source>
        <comment>skip.empty</comment>
        <translation>空文件（0 字节）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an image (Git LFS pointer: the real file was never downloaded; run &apos;git lfs pull&apos;)</source>
        <comment>skip.git_lfs</comment>
        <translation>不是图像（Git LFS 指针：真正的文件从未下载；请运行 &apos;git lfs pull&apos;）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an image (looks like HTML, e.g. a saved web page)</source>
        <comment>skip.html</comment>
        <translation>不是图像（看起来是 HTML，例如保存的网页）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an image (SVG vector drawing; convert it to PNG first)</source>
        <comment>skip.svg</comment>
        <translation>不是图像（SVG 矢量图；请先转换为 PNG）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an image (looks like text)</source>
        <comment>skip.text</comment>
        <translation>不是图像（看起来是文本）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot read</source>
        <comment>skip.kind.unreadable</comment>
        <translation>无法读取</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot decode</source>
        <comment>skip.kind.undecodable</comment>
        <translation>无法解码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>corrupt {format}</source>
        <comment>skip.kind.unidentified</comment>
        <translation>损坏的 {format}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not an image</source>
        <comment>skip.kind.not_an_image</comment>
        <translation>不是图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too large</source>
        <comment>skip.kind.too_large</comment>
        <translation>过大</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>truncated or corrupt {format}</source>
        <comment>skip.kind.truncated</comment>
        <translation>{format} 被截断或已损坏</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>empty file</source>
        <comment>skip.kind.empty</comment>
        <translation>空文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mirror flips are on, but this folder has a handedness: flipped, {share:.0%} of its images look less like the rest of the folder than before (about half where flips do no harm), most of all {classes}; the model will learn their mirror images. Turn Mirror images off (CLI: --set mirror=false) unless that is what you want</source>
        <comment>mirror.handed_classes</comment>
        <translation>镜像翻转已打开，但此文件夹的图像有左右之分：翻转后，{share:.0%} 的图像比原来更不像文件夹中的其他图像（翻转无害时约为一半），尤以 {classes} 为甚；模型会学到它们的镜像。除非这正是你想要的，请关闭“镜像图像”（命令行：--set mirror=false）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mirror flips are on, but this folder has a handedness: flipped, {share:.0%} of its images look less like the rest of the folder than before (about half where flips do no harm); the model will learn their mirror images. Turn Mirror images off (CLI: --set mirror=false) unless that is what you want</source>
        <comment>mirror.handed</comment>
        <translation>镜像翻转已打开，但此文件夹的图像有左右之分：翻转后，{share:.0%} 的图像比原来更不像文件夹中的其他图像（翻转无害时约为一半）；模型会学到它们的镜像。除非这正是你想要的，请关闭“镜像图像”（命令行：--set mirror=false）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mirror flips would change these images: flipped, {share:.0%} of them look less like the rest of the folder (about half where flips do no harm), most of all {classes}; leave mirror flips off (the Mirror images setting; --set mirror=false)</source>
        <comment>mirror.summary_classes</comment>
        <translation>镜像翻转会改变这些图像：翻转后，{share:.0%} 的图像更不像文件夹中的其他图像（翻转无害时约为一半），尤以 {classes} 为甚；请保持镜像翻转关闭（“镜像图像”设置；--set mirror=false）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mirror flips would change these images: flipped, {share:.0%} of them look less like the rest of the folder (about half where flips do no harm); leave mirror flips off (the Mirror images setting; --set mirror=false)</source>
        <comment>mirror.summary</comment>
        <translation>镜像翻转会改变这些图像：翻转后，{share:.0%} 的图像更不像文件夹中的其他图像（翻转无害时约为一半）；请保持镜像翻转关闭（“镜像图像”设置；--set mirror=false）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mirror flips look harmless here: flipped, {share:.0%} of the images look less like the rest of the folder, about the half expected without a handedness; mirror flips (the Mirror images setting; --set mirror=true) may add variety</source>
        <comment>mirror.symmetric</comment>
        <translation>镜像翻转在这里看来无害：翻转后，{share:.0%} 的图像更不像文件夹中的其他图像，约为没有左右之分时预期的一半；镜像翻转（“镜像图像”设置；--set mirror=true）可以增加变化</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mirror flips may change these images: flipped, {share:.0%} of them look less like the rest of the folder, between the half expected without a handedness and the most of digits and letters; {count} images are too few to tell which</source>
        <comment>mirror.unclear</comment>
        <translation>镜像翻转可能会改变这些图像：翻转后，{share:.0%} 的图像更不像文件夹中的其他图像，介于没有左右之分时的一半与数字、字母的大多数之间；{count} 张图像太少，无法判断</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too few images ({count}) to tell whether mirror flips would change them (it takes {needed})</source>
        <comment>mirror.too_few</comment>
        <translation>图像太少（{count} 张），无法判断镜像翻转是否会改变它们（需要 {needed} 张）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown demo dataset &apos;{name}&apos; (choose from: {choices})</source>
        <comment>demo.unknown</comment>
        <translation>未知的示例数据集 &apos;{name}&apos;（可选：{choices}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot create the demo dataset folder in &apos;{path}&apos;: {reason}</source>
        <comment>demo.cannot_create</comment>
        <translation>无法在 &apos;{path}&apos; 中创建示例数据集文件夹：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot write the demo dataset &apos;{name}&apos; to &apos;{path}&apos;: {reason}</source>
        <comment>demo.cannot_write</comment>
        <translation>无法把示例数据集 &apos;{name}&apos; 写入 &apos;{path}&apos;：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>generating the demo dataset in &apos;{path}&apos; cancelled</source>
        <comment>demo.cancelled</comment>
        <translation>已取消在 &apos;{path}&apos; 中生成示例数据集</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: exists and is not a folder</source>
        <comment>run.not_a_folder</comment>
        <translation>{path}：已存在且不是文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: already holds a run; resume it or choose another folder</source>
        <comment>run.holds_a_run</comment>
        <translation>{path}：其中已有一个训练运行；请继续该运行或选择其他文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the folder is not empty; choose a new or empty folder for the run</source>
        <comment>run.not_empty</comment>
        <translation>{path}：文件夹不是空的；请为训练运行选择一个新的或空的文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot create the run folder ({reason})</source>
        <comment>run.cannot_create</comment>
        <translation>{path}：无法创建训练运行文件夹（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: is inside the run being saved ({run}); choose a folder outside it</source>
        <comment>run.save_as_inside</comment>
        <translation>{path}：位于正在保存的训练运行（{run}）之内；请选择它之外的文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not enough room to save the run there ({size} needed, {free} free); choose a folder on a disk with room</source>
        <comment>run.save_as_no_room</comment>
        <translation>{path}：空间不足，无法在那里保存训练运行（需要 {size}，可用 {free}）；请选择有足够空间的磁盘上的文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the run could not be saved there: {reason:lower}; nothing was left there, and {run} is unchanged</source>
        <comment>run.save_as_failed</comment>
        <translation>{path}：无法在那里保存训练运行：{reason:lower}；那里没有留下任何文件，{run} 未被改变</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no model of this run is in memory to save</source>
        <comment>run.save_as_no_model</comment>
        <translation>{path}：内存中没有这个训练运行的模型可以保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no such run folder</source>
        <comment>run.not_found</comment>
        <translation>{path}：没有这个训练运行文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a genstudio run folder (no config.json)</source>
        <comment>run.not_a_run</comment>
        <translation>{path}：不是 genstudio 训练运行文件夹（没有 config.json）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot be read ({error})</source>
        <comment>run.config_unreadable</comment>
        <translation>{path}：无法读取（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a genstudio run config</source>
        <comment>run.not_a_config</comment>
        <translation>{path}：不是 genstudio 训练运行配置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: its version {version!r} is not a number</source>
        <comment>run.bad_version</comment>
        <translation>{path}：其版本 {version!r} 不是数字</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: made by a newer genstudio (run version {version}); update genstudio</source>
        <comment>run.newer</comment>
        <translation>{path}：由更新版本的 genstudio 创建（训练运行版本 {version}）；请更新 genstudio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: missing {key!r}</source>
        <comment>run.missing_key</comment>
        <translation>{path}：缺少 {key!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the run has no checkpoint yet</source>
        <comment>run.no_checkpoint</comment>
        <translation>{path}：该训练运行还没有检查点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the weights of {name!r} do not fit this model ({detail})</source>
        <comment>run.weights_do_not_fit</comment>
        <translation>{path}：{name!r} 的权重与此模型不匹配（{detail}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: another process is training this run ({owner}); wait until it finishes or stop it there (the app can open the run and follow it meanwhile)</source>
        <comment>run.held</comment>
        <translation>{path}：另一个进程正在训练这个运行（{owner}）；请等它结束，或在那边停止它（应用可以打开这个运行并在其间跟随它）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>process {pid} on {host}, since {started}</source>
        <comment>lock.owner</comment>
        <translation>{host} 上的进程 {pid}，自 {started} 起</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: took over the lock left by {owner}: {why}</source>
        <comment>lock.taken_over</comment>
        <translation>{path}：接管了 {owner} 留下的锁：{why}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>that process is no longer running</source>
        <comment>lock.gone</comment>
        <translation>那个进程已不在运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it has not been refreshed for {seconds} s</source>
        <comment>lock.silent</comment>
        <translation>它已有 {seconds} 秒没有刷新</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot read ({reason})</source>
        <comment>checkpoint.unreadable</comment>
        <translation>{path}：无法读取（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot read the tensors ({error})</source>
        <comment>checkpoint.tensors_unreadable</comment>
        <translation>{path}：无法读取张量（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no such file</source>
        <comment>checkpoint.not_found</comment>
        <translation>{path}：没有这个文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a file</source>
        <comment>checkpoint.not_a_file</comment>
        <translation>{path}：不是文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a genstudio checkpoint (file is {size} bytes, too short)</source>
        <comment>checkpoint.too_short</comment>
        <translation>{path}：不是 genstudio 检查点（文件只有 {size} 字节，太短）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a genstudio checkpoint (not a safetensors file)</source>
        <comment>checkpoint.not_safetensors</comment>
        <translation>{path}：不是 genstudio 检查点（不是 safetensors 文件）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the checkpoint is incomplete ({size} bytes, its header describes {described}); it was cut short while being copied or written</source>
        <comment>checkpoint.truncated</comment>
        <translation>{path}：检查点不完整（{size} 字节，而其文件头描述了 {described} 字节）；它在复制或写入时被截断了</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: a safetensors file, but not a genstudio checkpoint (no genstudio metadata)</source>
        <comment>checkpoint.no_metadata</comment>
        <translation>{path}：是 safetensors 文件，但不是 genstudio 检查点（没有 genstudio 元数据）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: its genstudio metadata is damaged</source>
        <comment>checkpoint.metadata_damaged</comment>
        <translation>{path}：其 genstudio 元数据已损坏</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a genstudio checkpoint (format {format!r})</source>
        <comment>checkpoint.bad_format</comment>
        <translation>{path}：不是 genstudio 检查点（格式为 {format!r}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: written by a newer genstudio (checkpoint version {version}, this one reads up to {supported}); update genstudio</source>
        <comment>checkpoint.newer</comment>
        <translation>{path}：由更新版本的 genstudio 写入（检查点版本 {version}，当前版本最多读取到 {supported}）；请更新 genstudio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: already exists; choose a new name</source>
        <comment>archive.exists</comment>
        <translation>{path}：已存在；请选择一个新名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the run has no checkpoint yet; train it first</source>
        <comment>archive.no_checkpoint</comment>
        <translation>{path}：该训练运行还没有检查点；请先训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot write ({reason})</source>
        <comment>archive.cannot_write</comment>
        <translation>{path}：无法写入（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot read it any more ({reason}); export again</source>
        <comment>archive.no_longer_readable</comment>
        <translation>{path}：已无法读取（{reason}）；请重新导出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: it changed while the run was exported; export again</source>
        <comment>archive.changed</comment>
        <translation>{path}：在导出训练运行期间它被改动了；请重新导出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: export cancelled</source>
        <comment>archive.export_cancelled</comment>
        <translation>{path}：已取消导出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot read ({reason})</source>
        <comment>archive.unreadable</comment>
        <translation>{path}：无法读取（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no such file or folder</source>
        <comment>archive.not_found</comment>
        <translation>{path}：没有这个文件或文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not a zip archive or an exported run folder</source>
        <comment>archive.not_an_archive</comment>
        <translation>{path}：不是 zip 压缩包，也不是导出的训练运行文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the zip archive is damaged ({error})</source>
        <comment>archive.damaged</comment>
        <translation>{path}：zip 压缩包已损坏（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: import cancelled</source>
        <comment>archive.import_cancelled</comment>
        <translation>{path}：已取消导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot use this runs folder ({reason})</source>
        <comment>archive.runs_folder_unusable</comment>
        <translation>{path}：无法使用这个训练运行目录（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: needs {needed:.1f} GB but {folder} has {free:.1f} GB free</source>
        <comment>archive.no_room</comment>
        <translation>{path}：需要 {needed:.1f} GB，但 {folder} 只有 {free:.1f} GB 可用空间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot import into {folder} ({reason})</source>
        <comment>archive.cannot_import</comment>
        <translation>{path}：无法导入到 {folder}（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no free name for {name}</source>
        <comment>archive.no_free_name</comment>
        <translation>{path}：没有可用于 {name} 的空闲名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: refused: {reason}</source>
        <comment>archive.refused</comment>
        <translation>{path}：已拒绝：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} has a backslash in its name</source>
        <comment>archive.member_backslash</comment>
        <translation>成员 {name!r} 的名称中含有反斜杠</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} has an absolute path</source>
        <comment>archive.member_absolute</comment>
        <translation>成员 {name!r} 使用了绝对路径</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} names a drive</source>
        <comment>archive.member_drive</comment>
        <translation>成员 {name!r} 指定了驱动器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} has an unusable name</source>
        <comment>archive.member_unusable_name</comment>
        <translation>成员 {name!r} 的名称不可用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} points outside the archive (..)</source>
        <comment>archive.member_escapes</comment>
        <translation>成员 {name!r} 指向压缩包之外（..）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} has an empty or &apos;.&apos; path part</source>
        <comment>archive.member_empty_part</comment>
        <translation>成员 {name!r} 的路径中有空的或 &apos;.&apos; 部分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} has a name Windows would read differently</source>
        <comment>archive.member_windows_name</comment>
        <translation>成员 {name!r} 的名称在 Windows 上会被解读为别的名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it holds {count} members; an exported run has at most {limit}</source>
        <comment>archive.too_many_members</comment>
        <translation>其中有 {count} 个成员；导出的训练运行最多只有 {limit} 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is a symbolic link</source>
        <comment>archive.member_symlink</comment>
        <translation>成员 {name!r} 是符号链接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not a regular file</source>
        <comment>archive.member_not_regular</comment>
        <translation>成员 {name!r} 不是普通文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is encrypted</source>
        <comment>archive.member_encrypted</comment>
        <translation>成员 {name!r} 已加密</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} uses an unsupported compression method</source>
        <comment>archive.member_compression</comment>
        <translation>成员 {name!r} 使用了不支持的压缩方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} would expand {ratio:,.0f} times (at most {limit}); this looks like a zip bomb</source>
        <comment>archive.member_zip_bomb</comment>
        <translation>成员 {name!r} 解压后会膨胀 {ratio:,.0f} 倍（最多 {limit} 倍）；这看起来像 zip 炸弹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name!r} is a symbolic link</source>
        <comment>archive.file_symlink</comment>
        <translation>{name!r} 是符号链接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name!r} is not a regular file</source>
        <comment>archive.file_not_regular</comment>
        <translation>{name!r} 不是普通文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it holds more than {limit} files; an exported run has fewer</source>
        <comment>archive.too_many_files</comment>
        <translation>其中的文件超过 {limit} 个；导出的训练运行没有这么多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it holds {count} members besides its gallery images; an exported run has at most {limit}</source>
        <comment>archive.too_many_run_members</comment>
        <translation>除图库图像外其中还有 {count} 个成员；导出的训练运行最多只有 {limit} 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it holds {count:,} gallery images; an export holds at most {limit:,}</source>
        <comment>archive.too_many_gallery_images</comment>
        <translation>其中有 {count:,} 张图库图像；一次导出最多包含 {limit:,} 张</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} appears twice</source>
        <comment>archive.member_twice</comment>
        <translation>成员 {name!r} 出现了两次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its members declare {total:,} bytes in all (at most {limit:,})</source>
        <comment>archive.too_many_bytes</comment>
        <translation>其成员声明的总大小为 {total:,} 字节（最多 {limit:,} 字节）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it has no {name}; it is not a run exported by genstudio</source>
        <comment>archive.missing_file</comment>
        <translation>其中没有 {name}；它不是 genstudio 导出的训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it holds no weights (.safetensors)</source>
        <comment>archive.no_weights</comment>
        <translation>其中没有权重（.safetensors）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} declares {size:,} bytes (at most {limit:,})</source>
        <comment>archive.member_too_large</comment>
        <translation>成员 {name!r} 声明了 {size:,} 字节（最多 {limit:,} 字节）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is a {suffix} file, a kind that can run code when loaded (pickle); genstudio exports carry weights only as .safetensors</source>
        <comment>archive.member_pickle_kind</comment>
        <translation>成员 {name!r} 是 {suffix} 文件，这类文件在加载时可能执行代码（pickle）；genstudio 导出的权重只使用 .safetensors</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not named as genstudio&apos;s gallery names its images (such as 20250101-120000-000000-000-seed-7.png)</source>
        <comment>archive.member_gallery_name</comment>
        <translation>成员 {name!r} 的名称不符合 genstudio 图库给图像起名的方式（例如 20250101-120000-000000-000-seed-7.png）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not a kind of file an exported run holds (config, metrics, model card, PNGs, gallery PNGs and .safetensors weights only)</source>
        <comment>archive.member_kind</comment>
        <translation>成员 {name!r} 不是导出的训练运行会包含的文件类型（只允许配置、指标、模型卡、PNG、图库 PNG 和 .safetensors 权重）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is a pickle (it could run code when loaded)</source>
        <comment>archive.member_pickle</comment>
        <translation>成员 {name!r} 是 pickle 文件（加载时可能执行代码）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is a zip archive (a PyTorch .pt file holds a pickle)</source>
        <comment>archive.member_zip</comment>
        <translation>成员 {name!r} 是 zip 压缩包（PyTorch 的 .pt 文件中含有 pickle）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is {problem}</source>
        <comment>archive.member_png</comment>
        <translation>成员 {name!r} {problem}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is binary, not text</source>
        <comment>archive.member_binary</comment>
        <translation>成员 {name!r} 是二进制数据，不是文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not valid JSON ({error})</source>
        <comment>archive.member_not_json</comment>
        <translation>成员 {name!r} 不是有效的 JSON（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} holds a line that is not a JSON object</source>
        <comment>archive.member_not_json_objects</comment>
        <translation>成员 {name!r} 中有一行不是 JSON 对象</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} holds a step that is not a whole number</source>
        <comment>archive.member_bad_step</comment>
        <translation>成员 {name!r} 中有一个步数不是整数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not a valid safetensors file ({reason})</source>
        <comment>archive.member_not_safetensors</comment>
        <translation>成员 {name!r} 不是有效的 safetensors 文件（{reason}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not UTF-8 text</source>
        <comment>archive.member_not_utf8</comment>
        <translation>成员 {name!r} 不是 UTF-8 文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} holds more than the {size:,} bytes it declares</source>
        <comment>archive.member_larger</comment>
        <translation>成员 {name!r} 的内容多于它声明的 {size:,} 字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} holds less than the {size:,} bytes it declares</source>
        <comment>archive.member_smaller</comment>
        <translation>成员 {name!r} 的内容少于它声明的 {size:,} 字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its {name} is not a genstudio export manifest</source>
        <comment>archive.not_a_manifest</comment>
        <translation>其 {name} 不是 genstudio 的导出清单</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it was exported by a newer genstudio (export version {version!r}); update genstudio</source>
        <comment>archive.newer</comment>
        <translation>它由更新版本的 genstudio 导出（导出版本 {version!r}）；请更新 genstudio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its {name} lists no files</source>
        <comment>archive.manifest_lists_nothing</comment>
        <translation>其 {name} 没有列出任何文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its files do not match its manifest (missing {names})</source>
        <comment>archive.manifest_missing</comment>
        <translation>其文件与清单不符（缺少 {names}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its files do not match its manifest (not in its manifest: {names})</source>
        <comment>archive.manifest_extra</comment>
        <translation>其文件与清单不符（清单中没有：{names}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is not the size its manifest says</source>
        <comment>archive.member_size_mismatch</comment>
        <translation>成员 {name!r} 的大小与清单所写不符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the member {name!r} is damaged (its sha256 differs from the manifest&apos;s)</source>
        <comment>archive.member_damaged</comment>
        <translation>成员 {name!r} 已损坏（其 sha256 与清单中的不同）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its run cannot be used here ({error})</source>
        <comment>archive.run_unusable</comment>
        <translation>其中的训练运行无法在这里使用（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its weights are not a readable genstudio checkpoint</source>
        <comment>archive.weights_unreadable</comment>
        <translation>其中的权重不是可读的 genstudio 检查点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a PNG image</source>
        <comment>png.not_png</comment>
        <translation>不是 PNG 图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a readable PNG image (it does not begin with its header)</source>
        <comment>png.no_header</comment>
        <translation>不是可读的 PNG 图像（它不以 PNG 文件头开始）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{width:,}×{height:,} pixels (at most {limit:,})</source>
        <comment>png.too_many_pixels</comment>
        <translation>有 {width:,}×{height:,} 像素（最多 {limit:,}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a readable PNG image (its header is not what Pillow reads)</source>
        <comment>png.header_mismatch</comment>
        <translation>不是可读的 PNG 图像（其文件头与 Pillow 读到的不符）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a {mode} image, not the grayscale or RGB PNG the gallery keeps</source>
        <comment>png.mode</comment>
        <translation>是 {mode} 图像，不是图库保存的灰度或 RGB PNG</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a readable PNG image ({error})</source>
        <comment>png.unreadable</comment>
        <translation>不是可读的 PNG 图像（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too short</source>
        <comment>safetensors.too_short</comment>
        <translation>太短</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its header length does not fit the file</source>
        <comment>safetensors.header_length</comment>
        <translation>其文件头长度与文件不符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its header is not JSON</source>
        <comment>safetensors.header_not_json</comment>
        <translation>其文件头不是 JSON</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its header is not a table</source>
        <comment>safetensors.header_not_table</comment>
        <translation>其文件头不是一个表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tensor {key!r} has no known dtype</source>
        <comment>safetensors.tensor_dtype</comment>
        <translation>张量 {key!r} 的数据类型未知</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tensor {key!r} has a bad shape</source>
        <comment>safetensors.tensor_shape</comment>
        <translation>张量 {key!r} 的形状有误</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tensor {key!r} has offsets that do not match its shape</source>
        <comment>safetensors.tensor_offsets</comment>
        <translation>张量 {key!r} 的偏移量与其形状不符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>its header describes {described:,} bytes, the member holds {size:,}</source>
        <comment>safetensors.size_mismatch</comment>
        <translation>其文件头描述了 {described:,} 字节，而成员只有 {size:,} 字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no genstudio checkpoint metadata</source>
        <comment>safetensors.no_metadata</comment>
        <translation>没有 genstudio 检查点元数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>images are saved as PNG, JPEG or WebP, not {format}</source>
        <comment>image.bad_format</comment>
        <translation>图像只能保存为 PNG、JPEG 或 WebP，不能保存为 {format}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>these parameters ({size:,} bytes) do not fit a JPEG&apos;s 64 KB EXIF; save the image as PNG or WebP</source>
        <comment>image.parameters_too_long_for_jpeg</comment>
        <translation>这些参数（{size:,} 字节）放不进 JPEG 的 64 KB EXIF；请把图像保存为 PNG 或 WebP</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name}: images are saved as .png, .jpg or .webp, not {extension}</source>
        <comment>image.bad_extension</comment>
        <translation>{name}：图像只能保存为 .png、.jpg 或 .webp，不能是 {extension}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no such file</source>
        <comment>image.not_found</comment>
        <translation>{path}：没有这个文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: a folder, not an image</source>
        <comment>image.is_a_folder</comment>
        <translation>{path}：这是文件夹，不是图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: not an image genstudio can read ({error})</source>
        <comment>image.unreadable</comment>
        <translation>{path}：不是 genstudio 能读取的图像（{error}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>an animation needs at least one frame</source>
        <comment>animation.no_frames</comment>
        <translation>动画至少需要一帧</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>animation frames differ in size: {sizes}</source>
        <comment>animation.sizes_differ</comment>
        <translation>动画各帧尺寸不一：{sizes}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>an animation plays at 0 to 100 frames a second, not {fps}</source>
        <comment>animation.bad_fps</comment>
        <translation>动画的帧率应在每秒 0 到 100 帧之间，而不是 {fps}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name}: an animation is saved as .gif, .png or .apng, not {extension}</source>
        <comment>animation.bad_extension</comment>
        <translation>{name}：动画只能保存为 .gif、.png 或 .apng，不能是 {extension}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>give a number of steps or of minutes to train</source>
        <comment>train.no_length</comment>
        <translation>请给出训练的步数或分钟数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps must be at least 1, not {steps}</source>
        <comment>train.bad_steps</comment>
        <translation>步数至少为 1，而不是 {steps}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>minutes must be more than 0, not {minutes}</source>
        <comment>train.bad_minutes</comment>
        <translation>分钟数必须大于 0，而不是 {minutes}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>batch size must be at least 1, not {batch_size}</source>
        <comment>train.bad_batch_size</comment>
        <translation>批大小至少为 1，而不是 {batch_size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>learning rate must be a positive number, not {lr}</source>
        <comment>train.bad_lr</comment>
        <translation>学习率必须是正数，而不是 {lr}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>precision must be auto, fp32, bf16 or fp16, not {precision!r}</source>
        <comment>train.bad_precision</comment>
        <translation>精度必须是 auto、fp32、bf16 或 fp16，而不是 {precision!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>channels_last must be auto, on or off, not {channels_last!r}</source>
        <comment>train.bad_channels_last</comment>
        <translation>channels_last 必须是 auto、on 或 off，而不是 {channels_last!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>holdout must be between 0 and 0.5, not {holdout}</source>
        <comment>train.bad_holdout</comment>
        <translation>holdout 必须在 0 到 0.5 之间，而不是 {holdout}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ema_decay must be in [0, 1), not {ema_decay}</source>
        <comment>train.bad_ema_decay</comment>
        <translation>ema_decay 必须在 [0, 1) 之内，而不是 {ema_decay}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ema_warmup must be 1 or more (10 is usual), not {ema_warmup}</source>
        <comment>train.bad_ema_warmup</comment>
        <translation>ema_warmup 必须不小于 1（通常为 10），而不是 {ema_warmup}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>quality_minutes must be 0 (no measuring) or more, not {quality_minutes}</source>
        <comment>train.bad_quality_minutes</comment>
        <translation>quality_minutes 必须为 0（不测量）或更大，而不是 {quality_minutes}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>device {device!r} is not available: {reason}; use --device cpu or auto</source>
        <comment>train.device_unavailable</comment>
        <translation>设备 {device!r} 不可用：{reason}；请使用 cpu 或 auto 设备（--device）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>device {device!r} does not exist: {count} CUDA GPU(s) found</source>
        <comment>train.no_such_device</comment>
        <translation>设备 {device!r} 不存在：只找到 {count} 个 CUDA GPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps</source>
        <comment>train.unknown_device</comment>
        <translation>未知设备 {device!r}；请使用 auto、cpu、cuda、cuda:N 或 mps</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this GPU does not support bf16; use --precision fp16 or fp32</source>
        <comment>train.no_gpu_bf16</comment>
        <translation>此 GPU 不支持 bf16；请使用 fp16 或 fp32 精度（--precision）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fp16 is not supported for training on the CPU; use bf16 or fp32</source>
        <comment>train.no_cpu_fp16</comment>
        <translation>在 CPU 上训练不支持 fp16；请使用 bf16 或 fp32</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the dataset has no images</source>
        <comment>train.no_images</comment>
        <translation>数据集中没有图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path} is a {family} run, not {expected}</source>
        <comment>train.other_family</comment>
        <translation>{path} 是 {family} 的训练运行，不是 {expected}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path} was trained on {size}px images with {channels} channel(s); load the dataset at that size and channel count to resume</source>
        <comment>train.other_images</comment>
        <translation>{path} 是用 {size}px、{channels} 通道的图像训练的；请以相同的尺寸和通道数加载数据集后再继续</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path} has no checkpoint to resume from</source>
        <comment>train.nothing_to_resume</comment>
        <translation>{path} 没有可以继续训练的检查点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: training cannot write into the run folder ({reason:lower}); make it writable (or free space on its disk), or copy the run to a folder you can write to and train there</source>
        <comment>train.cannot_write</comment>
        <translation>{path}：训练无法写入运行文件夹（{reason:lower}）；请让它可写（或释放其磁盘空间），或把运行复制到你可以写入的文件夹并在那里训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>torchrun trains on CUDA GPUs (NCCL) or the CPU (gloo), not on {device}</source>
        <comment>train.distributed_device</comment>
        <translation>torchrun 在 CUDA GPU（NCCL）或 CPU（gloo）上训练，不支持 {device}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>torchrun started {processes} processes on this machine but it has {gpus} CUDA GPUs: start one process per GPU (--nproc-per-node), or train on the CPU with --device cpu</source>
        <comment>train.distributed_gpus</comment>
        <translation>torchrun 在这台机器上启动了 {processes} 个进程，但它只有 {gpus} 块 CUDA GPU：请每块 GPU 启动一个进程（--nproc-per-node），或用 --device cpu 在 CPU 上训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>process {rank} on {host} cannot open the run folder {path} that process 0 made: with several machines, --out must be a folder every machine sees (a shared file system)</source>
        <comment>train.distributed_folder</comment>
        <translation>{host} 上的进程 {rank} 无法打开进程 0 创建的运行文件夹 {path}：使用多台机器时，--out 必须是每台机器都能看到的文件夹（共享文件系统）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>process {rank} on {host} loaded other images than process 0 ({images} here, {expected} there): every process must train on the same dataset, at the same size</source>
        <comment>train.distributed_dataset</comment>
        <translation>{host} 上的进程 {rank} 加载的图像与进程 0 不同（这里 {images} 张，那里 {expected} 张）：每个进程都必须在相同尺寸的同一数据集上训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>batch size lowered to {batch_size}: the dataset has only {images} training images</source>
        <comment>training.batch_lowered</comment>
        <translation>批大小已降为 {batch_size}：数据集只有 {images} 张训练图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the dataset changed since this run started; training continues on the new images</source>
        <comment>training.dataset_changed</comment>
        <translation>自本次训练运行开始以来数据集已改变；训练将在新的图像上继续</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the dataset changed since this run started: &apos;{path}&apos; now holds other files (or other sizes); training continues on them</source>
        <comment>training.dataset_changed_at</comment>
        <translation>自这个运行开始以来数据集已改变：&apos;{path}&apos; 现在包含其他文件（或其他尺寸）；训练将在它们上继续</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>losses were not finite for {bad_steps} steps in a row: rolled back to step {step} and halved the learning rate (now x{lr_scale:g})</source>
        <comment>training.rolled_back</comment>
        <translation>损失连续 {bad_steps} 步不是有限值：已回退到第 {step} 步，并把学习率减半（现为 x{lr_scale:g}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>training diverged: losses stayed non-finite after {rollbacks} rollbacks; lower the learning rate or use --precision fp32</source>
        <comment>training.diverged</comment>
        <translation>训练发散：回退 {rollbacks} 次后损失仍不是有限值；请降低学习率或使用 fp32 精度（--precision fp32）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the held-out {key} has risen from {best:.4g} (step {best_step}) to {now:.4g} while the training loss keeps falling: the model fits its training images better than new ones and may start to copy them. The best weights are kept as best.safetensors: sample from them (--checkpoint best) and compare with the newest; more images, a smaller model or a shorter run help</source>
        <comment>training.overfitting</comment>
        <translation>留出集上的 {key} 已从 {best:.4g}（第 {best_step} 步）升到 {now:.4g}，而训练损失仍在下降：模型对训练图像的拟合好于新图像，并可能开始复制它们。最好的权重保存在 best.safetensors：从中采样（--checkpoint best）并与最新的权重比较；更多图像、更小的模型或更短的训练会有帮助</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>as you set it</source>
        <comment>plan.given</comment>
        <translation>按你的设置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the {family} family&apos;s default</source>
        <comment>plan.family_default</comment>
        <translation>{family} 类别的默认值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the default model size</source>
        <comment>plan.preset_default</comment>
        <translation>默认的模型大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the {recipe} recipe&apos;s model size</source>
        <comment>plan.preset_recipe</comment>
        <translation>{recipe}方案的模型大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the {recipe} recipe&apos;s model size for training on a CPU (the larger one trains too slowly)</source>
        <comment>plan.preset_cpu</comment>
        <translation>{recipe}方案在 CPU 上训练时的模型大小（更大的那个训练太慢）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a lighter model size for a timed run on a CPU at {size} px: the usual one learns too slowly there to draw</source>
        <comment>plan.preset_cpu_size</comment>
        <translation>在 CPU 上按时长训练、{size} 像素时改用更轻的模型大小：常用的那个在这里学得太慢，画不出图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the default image size</source>
        <comment>plan.size_default</comment>
        <translation>默认的图像尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the {recipe} recipe&apos;s image size</source>
        <comment>plan.size_recipe</comment>
        <translation>{recipe}方案的图像尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the {recipe} recipe&apos;s length</source>
        <comment>plan.minutes_recipe</comment>
        <translation>{recipe}方案的训练时长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the {family} family&apos;s default length</source>
        <comment>plan.steps_family</comment>
        <translation>{family} 类别的默认训练长度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no more than the {images} training images</source>
        <comment>plan.batch_images</comment>
        <translation>不超过 {images} 张训练图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the largest batch that fits the {available} {device} has free</source>
        <comment>plan.batch_memory</comment>
        <translation>{device} 可用的 {available} 内存能容纳的最大批量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>batch size {batch_size} needs about {needed} and {device} has {available} free: training may run out of memory; batch size {fits} fits</source>
        <comment>plan.batch_too_big</comment>
        <translation>批量大小 {batch_size} 约需 {needed}，而 {device} 只有 {available} 可用：训练可能耗尽内存；批量大小 {fits} 可以容纳</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sample quality is not measured while training: {count} images are held out, at least {needed} are needed (more images, or a larger holdout share)</source>
        <comment>training.quality_too_few</comment>
        <translation>训练期间不测量样本质量：只留出了 {count} 张图像，至少需要 {needed} 张（更多图像，或更大的留出比例）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sample quality is not measured while training: its feature network would take about {seconds} s, more than {share}% of this run; measure it after training (Compare, genstudio evaluate), which also makes later runs on this data measure it</source>
        <comment>training.quality_skipped</comment>
        <translation>训练期间不测量样本质量：它的特征网络约需 {seconds} 秒，超过这次训练的 {share}%；请在训练后测量（对比步骤，genstudio evaluate），之后在这些数据上的训练也会随之测量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>out of memory on {device} at batch size {batch_size}, {size}px: try a smaller batch size, image size or preset</source>
        <comment>training.out_of_memory</comment>
        <translation>在 {device} 上内存不足（批大小 {batch_size}，{size}px）：请尝试更小的批大小、图像尺寸或预设</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a CUDA GPU is available</source>
        <comment>device.cuda_found</comment>
        <translation>有可用的 CUDA GPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>an Apple GPU is available (MPS)</source>
        <comment>device.mps_found</comment>
        <translation>有可用的 Apple GPU (MPS)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no CUDA or Apple GPU found</source>
        <comment>device.no_gpu</comment>
        <translation>未找到 CUDA 或 Apple GPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>chosen</source>
        <comment>device.chosen</comment>
        <translation>手动选择</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this PyTorch was built without CUDA</source>
        <comment>device.no_cuda_build</comment>
        <translation>这个 PyTorch 构建时未包含 CUDA</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no CUDA GPU is visible</source>
        <comment>device.no_cuda_gpu</comment>
        <translation>看不到任何 CUDA GPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no Apple GPU with MPS support</source>
        <comment>device.no_mps</comment>
        <translation>没有支持 MPS 的 Apple GPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the GPU supports bf16 (mixed precision, no loss scaling needed)</source>
        <comment>precision.gpu_bf16</comment>
        <translation>该 GPU 支持 bf16（混合精度，无需损失缩放）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mixed precision fp16 with loss scaling (the GPU lacks bf16)</source>
        <comment>precision.gpu_fp16</comment>
        <translation>带损失缩放的 fp16 混合精度（该 GPU 不支持 bf16）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this CPU&apos;s {feature} ran a training step {speedup}x as fast in bf16 as in fp32 (measured once on this machine)</source>
        <comment>precision.cpu_bf16</comment>
        <translation>此 CPU 的 {feature} 以 bf16 运行一个训练步的速度是 fp32 的 {speedup} 倍（已在本机测量一次）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this CPU has {feature}, but bf16 ran a training step only {speedup}x as fast as fp32 here (measured once on this machine), and fp32 gives the same numbers on every machine</source>
        <comment>precision.cpu_bf16_slow</comment>
        <translation>此 CPU 有 {feature}，但在这里 bf16 运行一个训练步的速度只有 fp32 的 {speedup} 倍（已在本机测量一次），而 fp32 在每台机器上得出相同的数值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fp32: this CPU lacks AVX512-BF16/AMX, where bf16 would be slower</source>
        <comment>precision.cpu_fp32</comment>
        <translation>fp32：该 CPU 不支持 AVX512-BF16/AMX，用 bf16 反而更慢</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fp32 on {device}</source>
        <comment>precision.fp32_on</comment>
        <translation>在 {device} 上使用 fp32</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown family {name!r}; available: {choices}</source>
        <comment>config.unknown_family</comment>
        <translation>未知模型类别 {name!r}；可用的有：{choices}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown preset {name!r}; choose one of {choices}</source>
        <comment>config.unknown_preset</comment>
        <translation>未知预设 {name!r}；请从以下选择：{choices}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{config} has no setting {names}; known settings: {known}</source>
        <comment>config.unknown_settings</comment>
        <translation>{config} 没有设置项 {names}；已知的设置项：{known}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{family} needs a {expected}, got {got}</source>
        <comment>config.wrong_class</comment>
        <translation>{family} 需要 {expected}，而不是 {got}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} must be between {low} and {high}, not {value}</source>
        <comment>config.between</comment>
        <translation>{name} 必须在 {low} 到 {high} 之间，而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} must be between {low} and {high} (e.g. {example}), not {value}</source>
        <comment>config.between_example</comment>
        <translation>{name} 必须在 {low} 到 {high} 之间（例如 {example}），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} must be multiples of {factor} (e.g. {example}), not {value}</source>
        <comment>config.multiples</comment>
        <translation>{name} 必须是 {factor} 的倍数（例如 {example}），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} must be in {range}, not {value}</source>
        <comment>config.in_range</comment>
        <translation>{name} 必须在 {range} 之内，而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} must be one of {choices}, not {value!r}</source>
        <comment>config.one_of</comment>
        <translation>{name} 必须是 {choices} 之一，而不是 {value!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>augment takes a comma-separated list of {choices} (or &quot;&quot;), not {value}</source>
        <comment>config.bad_augment</comment>
        <translation>augment 接受由 {choices} 组成的逗号分隔列表（或 &quot;&quot;），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>kernel must be an odd number of at least 3 (e.g. 3 or 5), not {kernel}</source>
        <comment>autoregressive.bad_kernel</comment>
        <translation>kernel 必须是至少为 3 的奇数（例如 3 或 5），而不是 {kernel}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the autoregressive family takes 1 or 3 channels, not {channels}</source>
        <comment>autoregressive.bad_channels</comment>
        <translation>自回归模型只接受 1 或 3 个通道，而不是 {channels}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>blocks needs one count (0 or more) per level of channels {channels}</source>
        <comment>diffusion.bad_blocks</comment>
        <translation>blocks 需要为通道 {channels} 的每一层各给一个数量（0 或更多）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>heads ({heads}) must divide every channel width and text_dim</source>
        <comment>diffusion.bad_heads</comment>
        <translation>heads（{heads}）必须能整除每个通道宽度和 text_dim</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>patch must be 1, 2 or 4, not {patch}</source>
        <comment>diffusion.bad_patch</comment>
        <translation>patch 必须是 1、2 或 4，而不是 {patch}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prediction must be &apos;v&apos; or &apos;epsilon&apos;, not {prediction!r}</source>
        <comment>diffusion.bad_prediction</comment>
        <translation>prediction 必须是 &apos;v&apos; 或 &apos;epsilon&apos;，而不是 {prediction!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>timestep_sampling must be &apos;uniform&apos; or &apos;logit-normal&apos;, not {timestep_sampling!r}</source>
        <comment>diffusion.bad_timestep_sampling</comment>
        <translation>timestep_sampling 必须是 &apos;uniform&apos; 或 &apos;logit-normal&apos;，而不是 {timestep_sampling!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>min_snr_gamma cannot be negative and caption_dropout must be in [0, 1)</source>
        <comment>diffusion.bad_snr_or_dropout</comment>
        <translation>min_snr_gamma 不能为负，caption_dropout 必须在 [0, 1) 之内</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>text_dim must be at least 8, text_depth and max_prompt_words at least 1</source>
        <comment>diffusion.bad_text_encoder</comment>
        <translation>text_dim 至少为 8，text_depth 和 max_prompt_words 至少为 1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a {levels}-level U-Net with patch {patch} needs an image size divisible by {multiple}, not {size}: change the size, patch or number of channel levels</source>
        <comment>diffusion.size_not_divisible</comment>
        <translation>{levels} 层、patch 为 {patch} 的 U-Net 需要能被 {multiple} 整除的图像尺寸，而不是 {size}：请更改尺寸、patch 或通道层数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>patch {patch} folds {folded} values into each position, more than the first level&apos;s {channels} channels can hold: use a smaller patch or at least {needed} channels at the first level</source>
        <comment>diffusion.patch_too_large</comment>
        <translation>patch {patch} 把 {folded} 个值折叠到每个位置，超出了第一层 {channels} 个通道所能容纳的：请用更小的 patch，或在第一层至少用 {needed} 个通道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this run has no noisy classifier (it was trained without labels or captions, or with classifier off): choose guidance kind classifier-free, or train a new run on labelled or captioned images</source>
        <comment>diffusion.no_classifier</comment>
        <translation>这个运行没有噪声分类器（训练时没有标签或说明文字，或关闭了 classifier）：请选择引导方式 classifier-free，或在带标签或说明文字的图片上训练一个新运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>classifier guidance steers toward a class: type one of the labels as the prompt ({known})</source>
        <comment>diffusion.classifier_needs_label</comment>
        <translation>分类器引导朝某个类别引导：请输入一个标签作为提示词（{known}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>classifier guidance steers toward the prompt&apos;s words, and the classifier knows none of them: use words from the captions ({known})</source>
        <comment>diffusion.classifier_needs_words</comment>
        <translation>分类器引导朝提示词中的词引导，而分类器一个都不认识：请使用说明文字中的词（{known}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>coupling_scale must be sigmoid or tanh, not {coupling_scale!r}</source>
        <comment>flow.bad_coupling_scale</comment>
        <translation>coupling_scale 必须是 sigmoid 或 tanh，而不是 {coupling_scale!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>logit_alpha must be in [0, 0.5), e.g. 0.05, not {logit_alpha}</source>
        <comment>flow.bad_logit_alpha</comment>
        <translation>logit_alpha 必须在 [0, 0.5) 之内（例如 0.05），而不是 {logit_alpha}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a flow with {levels} levels needs an image side divisible by {multiple}, not {size}; change the image size or levels</source>
        <comment>flow.size_not_divisible</comment>
        <translation>{levels} 层的流模型需要能被 {multiple} 整除的图像边长，而不是 {size}；请更改图像尺寸或层数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Flow-GAN&apos;s discriminator needs a power-of-two image size of at least 4, not {size}</source>
        <comment>flowgan.bad_image_size</comment>
        <translation>Flow-GAN 的判别器需要至少为 4 的 2 的幂作为图像尺寸，而不是 {size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>gp_weight cannot be negative</source>
        <comment>gan.negative_gp_weight</comment>
        <translation>gp_weight 不能为负</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>embed_dim must be at least 1</source>
        <comment>gan.bad_embed_dim</comment>
        <translation>embed_dim 至少为 1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the GAN needs a power-of-two image size of at least 4, not {size}</source>
        <comment>gan.bad_image_size</comment>
        <translation>GAN 需要至少为 4 的 2 的幂作为图像尺寸，而不是 {size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>condition=label needs a dataset with class folders; use condition=none or caption</source>
        <comment>gan.no_labels_to_condition_on</comment>
        <translation>condition=label 需要带类别子文件夹的数据集；请使用 condition=none 或 caption</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>condition=caption needs a dataset with captions; use condition=none or label</source>
        <comment>gan.no_captions_to_condition_on</comment>
        <translation>condition=caption 需要带描述的数据集；请使用 condition=none 或 label</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>denoising_steps must be a whole number between 1 and {high} (a denoising diffusion GAN is made for 2-4), not {value}</source>
        <comment>ddgan.bad_steps</comment>
        <translation>denoising_steps 必须是 1 到 {high} 之间的整数（去噪扩散 GAN 是为 2-4 步设计的），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the noise schedule needs 0 &lt; beta_min &lt; beta_max &lt;= 100 (e.g. 0.1 and 20), not beta_min {beta_min} and beta_max {beta_max}</source>
        <comment>ddgan.bad_schedule</comment>
        <translation>噪声调度需要 0 &lt; beta_min &lt; beta_max &lt;= 100（例如 0.1 和 20），而不是 beta_min {beta_min} 和 beta_max {beta_max}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the denoising diffusion GAN needs a power-of-two image size of at least 8 that its {levels}-level U-Net can halve, not {size}</source>
        <comment>ddgan.bad_image_size</comment>
        <translation>去噪扩散 GAN 需要至少为 8 的 2 的幂作为图像尺寸，且能被它 {levels} 层的 U-Net 逐层减半，而不是 {size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>dim must be at least 8 and a multiple of heads (at least 1), not dim {dim} with {heads} heads</source>
        <comment>igpt.bad_width</comment>
        <translation>dim 必须至少为 8 且是 heads（至少 1）的倍数，而不是 dim {dim}、{heads} 个头</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Image GPT takes 1 or 3 channels, not {channels}</source>
        <comment>igpt.bad_channels</comment>
        <translation>Image GPT 只接受 1 或 3 个通道，而不是 {channels}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{size}x{size} = {pixels} pixels is too many tokens for Image GPT (at most {limit}); use a smaller image size (e.g. 32)</source>
        <comment>igpt.too_many_pixels</comment>
        <translation>{size}x{size} = {pixels} 个像素，对 Image GPT 来说词元太多（最多 {limit}）；请使用更小的图像尺寸（例如 32）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>downsample must be 2, 4 or 8 (how many times smaller a side the latent is than the image), not {value}</source>
        <comment>ldm.bad_downsample</comment>
        <translation>downsample 必须是 2、4 或 8（潜变量每边比图像小多少倍），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>blocks, kl_weight and autoencoder_steps cannot be negative, and autoencoder_batch must be at least 1</source>
        <comment>ldm.negative_autoencoder_settings</comment>
        <translation>blocks、kl_weight 和 autoencoder_steps 不能为负数，autoencoder_batch 至少为 1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>autoencoder_share must be between 0 and 1 (the share of the run for stage 1), not {value}</source>
        <comment>ldm.bad_autoencoder_share</comment>
        <translation>autoencoder_share 必须在 0 到 1 之间（第 1 阶段占整个运行的比例），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>latent diffusion needs an image size that is a multiple of {multiple} here (the autoencoder makes it {downsample} times smaller, then the U-Net&apos;s {levels} levels halve it again); {size} is not: use --size {example}, or another downsample (--set downsample=2, 4 or 8)</source>
        <comment>ldm.size_not_divisible</comment>
        <translation>潜空间扩散在这里需要图像尺寸是 {multiple} 的倍数（自编码器把它缩小 {downsample} 倍，然后 U-Net 的 {levels} 层再逐层减半）；{size} 不是：请使用 --size {example}，或换一个 downsample（--set downsample=2、4 或 8）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the diffusion model is untrained (the run ended in stage 1, the autoencoder), so samples are noise: train on with --resume</source>
        <comment>prompt.untrained_ldm</comment>
        <translation>扩散模型尚未训练（运行在第 1 阶段即自编码器阶段结束），因此样本是噪声：请用 --resume 继续训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reconstructions, and random latents decoded (the diffusion model learns the latents in stage 2)</source>
        <comment>frame.reconstructions_and_random_latents</comment>
        <translation>重建结果，以及解码后的随机潜变量（扩散模型在第 2 阶段学习潜变量）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>blocks must be 0 or more</source>
        <comment>vae.negative_blocks</comment>
        <translation>blocks 必须为 0 或更多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>beta, free_bits and kl_warmup_steps cannot be negative</source>
        <comment>vae.negative_kl_settings</comment>
        <translation>beta、free_bits 和 kl_warmup_steps 不能为负</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the VAE needs a power-of-two image size of at least 4, not {size}</source>
        <comment>vae.bad_image_size</comment>
        <translation>VAE 需要至少为 4 的 2 的幂作为图像尺寸，而不是 {size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>adv_weight, fm_weight, adv_start_steps and adv_warmup_steps cannot be negative</source>
        <comment>vaegan.negative_adversarial_settings</comment>
        <translation>adv_weight、fm_weight、adv_start_steps 和 adv_warmup_steps 不能为负</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the patch discriminator needs a power-of-two image size of at least 8, not {size}</source>
        <comment>vaegan.bad_patch_image_size</comment>
        <translation>patch 判别器需要至少为 8 的 2 的幂作为图像尺寸，而不是 {size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>blocks must be 0 or more and downsample between 0 and 5</source>
        <comment>vqvae.bad_blocks_or_downsample</comment>
        <translation>blocks 必须为 0 或更多，downsample 必须在 0 到 5 之间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>codebook_size must be 2 to 65536 and code_dim at least 1, not {codebook_size} and {code_dim}</source>
        <comment>vqvae.bad_codebook</comment>
        <translation>codebook_size 必须在 2 到 65536 之间且 code_dim 至少为 1，而不是 {codebook_size} 和 {code_dim}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>codebook_decay must be in (0, 1); commitment and dead_code_threshold cannot be negative</source>
        <comment>vqvae.bad_codebook_training</comment>
        <translation>codebook_decay 必须在 (0, 1) 之内；commitment 和 dead_code_threshold 不能为负</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>autoencoder_steps cannot be negative</source>
        <comment>vqvae.negative_autoencoder_steps</comment>
        <translation>autoencoder_steps 不能为负</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>autoencoder_share must be between 0 and 1 (the share of the run for stage 1), not {value}</source>
        <comment>vqvae.bad_autoencoder_share</comment>
        <translation>autoencoder_share 必须在 0 到 1 之间（第一阶段占训练的比例），而不是 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prior_dropout must be at least 0 and below 1, and prior_weight_decay at least 0 (got {dropout} and {weight_decay})</source>
        <comment>vqvae.bad_prior_regularisation</comment>
        <translation>prior_dropout 必须至少为 0 且小于 1，prior_weight_decay 至少为 0（得到的是 {dropout} 和 {weight_decay}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prior_dim ({prior_dim}) must be a multiple of prior_heads ({prior_heads}) and prior_depth at least 1</source>
        <comment>vqvae.bad_prior</comment>
        <translation>prior_dim（{prior_dim}）必须是 prior_heads（{prior_heads}）的倍数，且 prior_depth 至少为 1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>text_length must be at least 1 and text_dropout between 0 and 1</source>
        <comment>vqvae.bad_text</comment>
        <translation>text_length 至少为 1，text_dropout 必须在 0 到 1 之间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the image size {size} must be a multiple of {multiple} (downsample={downsample}); choose another size or --set downsample=...</source>
        <comment>vqvae.size_not_divisible</comment>
        <translation>图像尺寸 {size} 必须是 {multiple} 的倍数（downsample={downsample}）；请选择其他尺寸，或用 --set downsample=... 调整</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{side}x{side} = {tokens} image tokens is too many for the prior (at most {limit}); raise downsample</source>
        <comment>vqvae.too_many_tokens</comment>
        <translation>{side}x{side} = {tokens} 个图像词元，对先验模型来说太多了（最多 {limit} 个）；请增大 downsample</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown sampling option(s) {names}; known: {known}</source>
        <comment>sample.unknown_options</comment>
        <translation>未知的采样选项 {names}；已知的有：{known}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown sampler {sampler!r}; choose one of {choices}</source>
        <comment>sample.unknown_sampler</comment>
        <translation>未知采样器 {sampler!r}；请从以下选择：{choices}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps must be a whole number from 1 to 1000, not {steps}</source>
        <comment>sample.bad_steps</comment>
        <translation>步数必须是 1 到 1000 之间的整数，而不是 {steps}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sampling option {name} takes a number from {low} to {high}, not {value!r}</source>
        <comment>sample.option_number</comment>
        <translation>采样选项 {name} 须为 {low} 到 {high} 之间的数，而不是 {value!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sampling option {name} takes a whole number from {low} to {high}, not {value!r}</source>
        <comment>sample.option_whole</comment>
        <translation>采样选项 {name} 须为 {low} 到 {high} 之间的整数，而不是 {value!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sampling option {name} takes true or false, not {value!r}</source>
        <comment>sample.option_bool</comment>
        <translation>采样选项 {name} 须为 true 或 false，而不是 {value!r}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>guidance must be 0-100, guidance_rescale and eta 0-1</source>
        <comment>sample.bad_guidance</comment>
        <translation>guidance 必须在 0-100 之间，guidance_rescale 和 eta 必须在 0-1 之间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>guidance_start and guidance_end must lie between 0 and 1 with the start not after the end, not {start} and {end}</source>
        <comment>sample.bad_guidance_interval</comment>
        <translation>guidance_start 和 guidance_end 必须在 0 到 1 之间，且起点不能晚于终点，而不是 {start} 和 {end}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown label {label!r}; known labels: {known}</source>
        <comment>sample.unknown_label</comment>
        <translation>未知标签 {label!r}；已知标签：{known}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this model was not trained with labels; use label=-1</source>
        <comment>sample.no_labels</comment>
        <translation>此模型训练时没有标签；请使用 label=-1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>label must be -1 or between 0 and {high}, not {label}</source>
        <comment>sample.bad_label</comment>
        <translation>标签必须是 -1 或在 0 到 {high} 之间，而不是 {label}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown sampling precision {precision!r}; choose one of {choices}</source>
        <comment>sample.unknown_precision</comment>
        <translation>未知的采样精度 {precision!r}；请从 {choices} 中选择</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bf16 sampling was asked for, but this CPU lacks AVX512-BF16 and AMX: sampling in fp32 instead, so the images will differ slightly from those drawn in bf16</source>
        <comment>sample.no_bf16_cpu</comment>
        <translation>要求以 bf16 采样，但这个 CPU 没有 AVX512-BF16 和 AMX：改用 fp32 采样，因此图像会与 bf16 画出的略有不同</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bf16 sampling was asked for, but this device ({device}) has no fast bf16: sampling in fp32 instead, so the images will differ slightly from those drawn in bf16</source>
        <comment>sample.no_bf16_device</comment>
        <translation>要求以 bf16 采样，但这个设备（{device}）没有快速的 bf16：改用 fp32 采样，因此图像会与 bf16 画出的略有不同</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the prompt {prompt!r} names no class of this model; classes: {classes}</source>
        <comment>prompt.names_no_class</comment>
        <translation>提示词 {prompt!r} 没有提到此模型的任何类别；类别有：{classes}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this model was trained without captions or class folders: the prompt is ignored</source>
        <comment>prompt.ignored_no_captions_or_classes</comment>
        <translation>此模型训练时没有图像描述或类别文件夹：提示词会被忽略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this model was trained without captions or labels, so the prompt is ignored</source>
        <comment>prompt.ignored_no_captions_or_labels</comment>
        <translation>此模型训练时没有图像描述或标签，因此提示词会被忽略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this GAN is unconditional: the prompt is ignored</source>
        <comment>prompt.ignored_unconditional_gan</comment>
        <translation>此生成对抗网络是无条件的：提示词会被忽略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the model never saw {words}: it is treated as an unknown word</source>
        <comment>prompt.unknown_word</comment>
        <translation>模型从未见过 {words}：它被当作未知词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the model never saw {words}: they are treated as an unknown word</source>
        <comment>prompt.unknown_words</comment>
        <translation>模型从未见过 {words}：它们被当作未知词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>words the model never saw: {words}</source>
        <comment>prompt.unseen_words</comment>
        <translation>模型从未见过的词：{words}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the model never saw {words} in its captions or labels: that word is ignored</source>
        <comment>prompt.unseen_word_ignored</comment>
        <translation>模型在图像描述或标签中从未见过 {words}：该词被忽略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the model never saw {words} in its captions or labels: those words are ignored</source>
        <comment>prompt.unseen_words_ignored</comment>
        <translation>模型在图像描述或标签中从未见过 {words}：这些词被忽略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>only the first {count} words of the prompt are used</source>
        <comment>prompt.too_long</comment>
        <translation>只使用提示词的前 {count} 个词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the prior is untrained (the run ended in stage 1), so samples are noise: train on with --resume (stage 2 starts at step {autoencoder_steps} at the latest)</source>
        <comment>prompt.untrained_prior</comment>
        <translation>先验模型尚未训练（这次训练在第一阶段结束），所以样本只是噪声：请用 --resume 继续训练（第二阶段最晚在第 {autoencoder_steps} 步开始）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mode collapse: the generated images look almost alike (their diversity is far below the data&apos;s); try more augmentation, a lower learning rate, or resume from an earlier checkpoint</source>
        <comment>gan.mode_collapse</comment>
        <translation>模式坍缩：生成的图像几乎一模一样（多样性远低于数据集）；请尝试更多的数据增强、更低的学习率，或从较早的检查点继续训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the discriminator wins outright (it tells every generated image from a real one), so the generator has little to learn from; try augment=color,translation,cutout or a lower learning rate</source>
        <comment>gan.discriminator_wins</comment>
        <translation>判别器完胜（它能把每张生成图像与真实图像区分开），生成器几乎学不到东西；请尝试 augment=color,translation,cutout 或更低的学习率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>training is diverging: the discriminator&apos;s scores are growing without bound; lower the learning rate or use loss=hinge with spectral_norm=true</source>
        <comment>gan.diverging</comment>
        <translation>训练正在发散：判别器的分数无限增长；请降低学习率，或使用 loss=hinge 并设置 spectral_norm=true</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>samples</source>
        <comment>frame.samples</comment>
        <translation>样本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>samples from fixed noise</source>
        <comment>frame.fixed_noise_samples</comment>
        <translation>固定噪声生成的样本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reconstructions and samples</source>
        <comment>frame.reconstructions_and_samples</comment>
        <translation>重建与样本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reconstructions and prior samples</source>
        <comment>frame.reconstructions_and_prior_samples</comment>
        <translation>重建与先验采样样本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>step {step}/{steps}</source>
        <comment>frame.step</comment>
        <translation>第 {step}/{steps} 步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>row {row}/{rows}</source>
        <comment>frame.row</comment>
        <translation>第 {row}/{rows} 行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>t = {t:.2f}</source>
        <comment>frame.interpolation</comment>
        <translation>t = {t:.2f}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>z{index} (KL {kl:.2f})</source>
        <comment>direction.dimension</comment>
        <translation>z{index}（KL {kl:.2f}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>latent dimension {index} alone</source>
        <comment>direction.dimension_help</comment>
        <translation>仅潜变量第 {index} 维</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PC{index} ({percent:.0f}% of variance)</source>
        <comment>direction.principal</comment>
        <translation>主成分 {index}（方差占 {percent:.0f}%）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a principal direction of the encoded dataset</source>
        <comment>direction.principal_help</comment>
        <translation>编码后数据集的一个主成分方向</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mean latent of the {with_count} images with &apos;{name}&apos; minus that of the {without_count} without</source>
        <comment>direction.attribute_help</comment>
        <translation>带“{name}”的 {with_count} 张图像的平均潜变量减去不带它的 {without_count} 张图像的平均潜变量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>coarse {channel} ({side}x{side})</source>
        <comment>direction.coarse</comment>
        <translation>粗尺度 {channel}（{side}x{side}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>direction {index} (spread {spread:.2f})</source>
        <comment>direction.spread</comment>
        <translation>方向 {index}（离散度 {spread:.2f}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: {reason}</source>
        <comment>gallery.write_failed</comment>
        <translation>{path}: {reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: this is a file, not a folder; choose a folder to export into</source>
        <comment>gallery.not_a_folder</comment>
        <translation>{path}：这是一个文件而不是文件夹；请选择要导出到的文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: a grid needs images of one size, these have {count} sizes</source>
        <comment>gallery.grid_sizes</comment>
        <translation>{path}：网格图需要尺寸相同的图像，这些图像有 {count} 种尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: an animation needs images of one size, these have several sizes</source>
        <comment>gallery.animation_sizes</comment>
        <translation>{path}：动画需要尺寸相同的图像，这些图像有多种尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: {count:,} {count:plural:image/images} are too few to measure against: evaluation needs at least {needed} (a share of them is held out)</source>
        <comment>evaluation.too_few_images</comment>
        <translation>{path}：{count:,} 张图像太少，无法作为测量依据：评估至少需要 {needed} 张（其中一部分会被留出）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>at least {needed} generated images are needed to measure, got {count}</source>
        <comment>evaluation.too_few_samples</comment>
        <translation>测量至少需要 {needed} 张生成图像，实际只有 {count} 张</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the run was trained on &apos;{path}&apos;, which is not there any more; name the dataset (genstudio evaluate RUN --data FOLDER)</source>
        <comment>evaluation.dataset_gone</comment>
        <translation>该训练运行使用的数据 &apos;{path}&apos; 已不存在；请指定数据集（genstudio evaluate RUN --data FOLDER）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the dataset at &apos;{path}&apos; changed since this run was trained on it (other files or sizes): its held-out images differ, so read the figures with care</source>
        <comment>evaluation.other_data</comment>
        <translation>&apos;{path}&apos; 处的数据集自该运行训练后已改变（文件或尺寸不同）：它的留出图像不一样了，请谨慎看待这些数字</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: these images are {size}x{size}, the dataset was loaded at {expected}x{expected}</source>
        <comment>evaluation.other_size</comment>
        <translation>{path}：这些图像是 {size}x{size}，而数据集是按 {expected}x{expected} 加载的</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>only {count} held-out images: the figures are rough (their spread says how rough)</source>
        <comment>evaluation.few_heldout</comment>
        <translation>只有 {count} 张留出图像：这些数字很粗略（其波动范围说明了有多粗略）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>evaluation cancelled</source>
        <comment>evaluation.cancelled</comment>
        <translation>评估已取消</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>training the feature network</source>
        <comment>evaluation.stage.features</comment>
        <translation>正在训练特征网络</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>measuring the real images</source>
        <comment>evaluation.stage.reference</comment>
        <translation>正在测量真实图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>generating images</source>
        <comment>evaluation.stage.sampling</comment>
        <translation>正在生成图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>scoring</source>
        <comment>evaluation.stage.scoring</comment>
        <translation>正在评分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bits per dimension</source>
        <comment>evaluation.stage.likelihood</comment>
        <translation>每维比特数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path} was trained on other data than {first} (a different dataset fingerprint): runs are compared on one dataset</source>
        <comment>compare.other_dataset</comment>
        <translation>{path} 与 {first} 的训练数据不同（数据集指纹不同）：只能比较同一数据集上的训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>name at least one run to compare</source>
        <comment>compare.no_runs</comment>
        <translation>请至少指定一个要比较的训练运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: the report cannot be written: {reason}</source>
        <comment>compare.not_written</comment>
        <translation>{path}：无法写入报告：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path} already holds &apos;{name}&apos;, which is not part of a genstudio report; choose an empty folder (or one holding only an earlier report)</source>
        <comment>compare.folder_in_use</comment>
        <translation>{path} 中已有 &apos;{name}&apos;，它不属于 genstudio 报告；请选择一个空文件夹（或只含先前报告的文件夹）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it already holds &apos;{name}&apos; and no earlier report</source>
        <comment>compare.not_ours</comment>
        <translation>其中已有 &apos;{name}&apos;，且没有先前的报告</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>name at least one family to train</source>
        <comment>compare.no_families</comment>
        <translation>请至少指定一个要训练的模型族</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: damaged (its contents do not match the sha256 written beside it when it was saved)</source>
        <comment>checkpoint.damaged</comment>
        <translation>{path}：已损坏（内容与保存时写在旁边的 sha256 不符）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{reasons}; using {name} instead (step {step})</source>
        <comment>checkpoint.used_instead</comment>
        <translation>{reasons}；改用 {name}（第 {step} 步）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: no checkpoint of this run can be used ({reasons}); restore its checkpoints folder from a backup, or train again into a new folder</source>
        <comment>run.no_good_checkpoint</comment>
        <translation>{path}：这个运行没有可用的检查点（{reasons}）；请从备份恢复它的 checkpoints 文件夹，或训练到一个新文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{path}: cannot be saved: {reason:lower} ({size} needed); the file there before is unchanged</source>
        <comment>checkpoint.disk_full</comment>
        <translation>{path}：无法保存：{reason:lower}（需要 {size}）；原来的文件未改动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{folder}: no room to save the checkpoint: {reason:lower} ({size} needed); the last good checkpoint, {last} (step {step}), is unchanged. Free at least {size} there (or move the run folder to a disk with room) and resume</source>
        <comment>checkpoint.disk_full_run</comment>
        <translation>{folder}：没有空间保存检查点：{reason:lower}（需要 {size}）；最后一个完好的检查点 {last}（第 {step} 步）未改动。请在那里腾出至少 {size}（或把运行文件夹移到有空间的磁盘）后继续训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{folder}: no room to save the run&apos;s first checkpoint: {reason:lower} ({size} needed). Free at least {size} there, or train into a folder on a disk with room</source>
        <comment>checkpoint.disk_full_first</comment>
        <translation>{folder}：没有空间保存运行的第一个检查点：{reason:lower}（需要 {size}）。请在那里腾出至少 {size}，或训练到有空间的磁盘上的文件夹</translation>
    </message>
</context>
<context>
    <name>families</name>
    <message>
        <location line="-498"/>
        <source>Variational autoencoder</source>
        <translation>变分自编码器 (VAE)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Encodes each image to a small Gaussian latent and decodes it back; smooth latent space, blurry samples.</source>
        <translation>把每张图像编码为一个小的高斯潜变量再解码回来；潜在空间平滑，样本较模糊。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An encoder squeezes each picture into a few numbers (a point in a smooth latent space) and a decoder paints it back. Good for exploring: every slider in the latent space changes the image gradually. Samples are blurrier than a GAN&apos;s or a diffusion model&apos;s.</source>
        <translation>编码器把每张图像压缩成几个数（平滑潜在空间中的一个点），解码器再把它画回来。很适合探索：潜在空间中的每个滑块都会让图像逐渐变化。样本比生成对抗网络或扩散模型的更模糊。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tiny</source>
        <translation>微型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>small</source>
        <translation>小型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>base</source>
        <translation>标准</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale of the random latent: lower gives more typical, less varied images.</source>
        <translation>随机潜变量的缩放：越低，图像越典型、变化越少。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generative adversarial network</source>
        <translation>生成对抗网络 (GAN)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A generator learns to fool a discriminator; sharp samples, fast sampling, less stable training.</source>
        <translation>生成器学习骗过判别器；样本清晰，采样快，训练不太稳定。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Two networks play a game: a generator paints pictures from random numbers and a discriminator learns to tell them from yours. Samples are sharp and appear instantly, and the random numbers make a latent space to explore; training can be unstable or collapse to a few kinds of picture, which the studio watches for and reports.</source>
        <translation>两个网络相互博弈：生成器从随机数画出图像，判别器学习把它们和你的图像区分开。样本清晰、瞬间生成，随机数构成一个可以探索的潜在空间；训练可能不稳定，或坍缩为只生成少数几类图像（模式坍缩），genstudio 会监测并报告这种情况。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Truncation</source>
        <translation>截断</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale of the random input: lower gives more typical, less varied images.</source>
        <translation>随机输入的缩放：越低，图像越典型、变化越少。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Normalizing flow (Glow)</source>
        <translation>归一化流 (Glow)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An invertible network maps images to Gaussian noise and back; exact likelihood, exact encoding.</source>
        <translation>一个可逆网络把图像映射为高斯噪声并能映射回来；似然精确，编码精确。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A stack of invertible layers turns each picture into a point of Gaussian noise of the same size and back again exactly, so it gives exact likelihoods (bits per pixel) and lossless encodings you can edit. Samples are less sharp than a GAN&apos;s or a diffusion model&apos;s for the same training time.</source>
        <translation>一叠可逆层把每张图像变成同样大小的高斯噪声中的一个点，并能精确地变回来，因此能给出精确的似然（每像素比特数）和可编辑的无损编码。在相同训练时间下，样本不如生成对抗网络或扩散模型的清晰。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale of the Gaussian noise: below 1 gives cleaner, less varied images (Glow 5).</source>
        <translation>高斯噪声的缩放：小于 1 时图像更干净、变化更少（Glow 论文第 5 节）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Diffusion model</source>
        <translation>扩散模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learns to remove noise step by step; best image quality, follows prompts, slower to sample.</source>
        <translation>学习一步一步地去除噪声；图像质量最好，能遵循提示词，采样较慢。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adds noise to your pictures and trains a U-Net to take it away again; generating starts from pure noise and removes it in 10-50 steps you can watch. Trained on captions or class folders it follows prompts (with a guidance strength). The best quality of the families; sampling takes several passes.</source>
        <translation>给你的图像加噪声，并训练一个 U-Net 把噪声去掉；生成时从纯噪声出发，用 10-50 步逐步去噪，每一步都可以观看。用图像描述或类别文件夹训练后，它能遵循提示词（可调引导强度）。各类别中质量最好；采样需要多次前向计算。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>light</source>
        <translation>轻量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>采样步数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Denoising steps: 10-25 are enough for dpm++2m-sde and dpm++2m, 50 for ddim and ddpm.</source>
        <translation>去噪步数：dpm++2m-sde 和 dpm++2m 用 10-25 步就够了，ddim 和 ddpm 需要 50 步。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>dpm++2m-sde: fast, adds fresh noise each step (fixes early mistakes); dpm++2m: fast, deterministic; ddim: deterministic classic; ddpm: ancestral (noisy steps).</source>
        <translation>dpm++2m-sde：快速，每步加入新的噪声（纠正早期的错误）；dpm++2m：快速、确定性；ddim：经典的确定性采样；ddpm：祖先采样（每步带噪声）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guidance</source>
        <translation>引导强度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How strongly to follow the prompt: 0 ignores it, 1 is plain conditional, 2-5 is typical.</source>
        <translation>遵循提示词的程度：0 忽略提示词，1 为普通条件生成，常用 2-5。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guidance rescale</source>
        <translation>引导重缩放</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tames over-saturated colours at high guidance (0: off, 0.7 is typical).</source>
        <translation>抑制高引导强度下的过饱和颜色（0：关闭，常用 0.7）。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Eta</source>
        <translation>Eta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DDIM only: 0 deterministic, 1 as random as DDPM.</source>
        <translation>仅用于 DDIM：0 为确定性，1 与 DDPM 一样随机。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Negative</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the images should not look like (a negative prompt).</source>
        <translation>图像不应该是什么样子（反向提示词）。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Autoregressive pixels (PixelCNN)</source>
        <translation>自回归像素模型 (PixelCNN)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Writes images one pixel at a time, each predicted from those before it; exact likelihood, slow sampling.</source>
        <translation>一次写一个像素，每个像素由之前的像素预测；似然精确，采样慢。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A gated PixelCNN predicts each pixel&apos;s colour from the pixels above and to its left, then writes the image row by row. It gives exact likelihoods (bits per pixel) and learns fine texture well; sampling is slow because every pixel waits for the one before it, and global shape can wander.</source>
        <translation>门控 PixelCNN 根据上方和左侧的像素预测每个像素的颜色，然后一行一行地写出图像。它给出精确的似然（每像素比特数），善于学习细腻的纹理；采样很慢，因为每个像素都要等前一个像素，整体形状也可能走样。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Randomness of each pixel: lower gives smoother, more typical images.</source>
        <translation>每个像素的随机程度：越低，图像越平滑、越典型。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Class to draw (index or name) when trained on labelled images; -1: any class.</source>
        <translation>用带标签的图像训练时要画的类别（序号或名称）；-1：任意类别。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>VQ-VAE with a text prior</source>
        <translation>带文本先验的 VQ-VAE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Turns images into a grid of codebook tokens, then a small transformer writes tokens after your words.</source>
        <translation>把图像变成由码本词元组成的网格，再由一个小型 Transformer 根据你的文字写出词元。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An autoencoder whose bottleneck is a grid of words from a learned codebook of image patches; a small transformer then learns to write those tokens one by one after a caption (DALL·E in miniature), so prompts work. Trains in two stages in one run. Sharper than a VAE; sampling goes row by row.</source>
        <translation>一个自编码器，它的瓶颈是一格格“词”，取自学到的图像块码本；随后一个小型 Transformer 学习在图像描述之后逐个写出这些词元（迷你版 DALL·E），因此可以使用提示词。一次训练运行中分两个阶段训练。比变分自编码器更清晰；采样逐行进行。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lower: safer, more typical tokens; 0 takes the likeliest.</source>
        <translation>越低，词元越保守、越典型；0 总是取可能性最大的。</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Top k</source>
        <translation>Top k</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Draw only from the k likeliest codes (0: all).</source>
        <translation>只从可能性最大的 k 个码中抽取（0：全部）。</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>Classifier-free guidance: how strongly the prompt steers (1: no guidance).</source>
        <translation>无分类器引导：提示词的引导强度（1：不引导）。</translation>
    </message>
    <message>
        <location line="-21"/>
        <source>Guidance kind</source>
        <translation>引导方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>classifier-free: the model&apos;s own prompt guidance; classifier: an unprompted model steered by the noisy classifier&apos;s gradient; both: the two together.</source>
        <translation>classifier-free：模型自身的提示词引导；classifier：不带提示词的模型，由噪声分类器的梯度引导；both：两者同时使用。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Classifier scale</source>
        <translation>分类器强度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How strongly the classifier steers (guidance kind classifier or both): 0 not at all.</source>
        <translation>分类器引导的强度（引导方式为 classifier 或 both 时）：0 表示完全不引导。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Denoising diffusion GAN</source>
        <translation>去噪扩散 GAN</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A diffusion of only 2-4 big steps, each learnt by a GAN; samples in a few passes, no likelihood.</source>
        <translation>只有 2-4 个大步的扩散，每一步由 GAN 学会；几次前向计算即可采样，没有似然。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adds noise to your pictures in only a few big steps (4 by default) and trains a generator to undo each step, judged by a discriminator instead of a noise-prediction loss, so a sample takes those few passes instead of diffusion&apos;s 20 or more. Trained on captions or class folders it follows prompts (without a guidance strength). A GAN inside: training can be unstable, and it gives no likelihood (bits/dim).</source>
        <translation>只用几个大步（默认 4 步）给你的图片加噪声，并训练一个生成器去撤销每一步，由判别器而不是噪声预测损失来评判，因此一个样本只需这几次计算，而不是扩散模型的 20 次或更多。用说明文字或类别文件夹训练后，它能按提示词生成（没有引导强度）。内部是 GAN：训练可能不稳定，也不给出似然（bits/dim）。</translation>
    </message>
    <message>
        <location line="-31"/>
        <source>Latent diffusion</source>
        <translation>潜空间扩散</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Guidance start</source>
        <translation>引导起点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guide by the prompt only from this far into the denoising (0: from pure noise). Leaving the noisiest steps unguided keeps more variety.</source>
        <translation>只在去噪进行到这一比例之后才按提示词引导（0：从纯噪声开始）。噪声最大的几步不加引导，可以保留更多变化。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guidance end</source>
        <translation>引导终点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guide by the prompt only until this far into the denoising (1: to the clean image). The last steps only sharpen details; unguided they cost half as much.</source>
        <translation>只在去噪进行到这一比例之前按提示词引导（1：直到得到干净图像）。最后几步只是让细节更清晰；不加引导时它们只需一半的计算。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>An autoencoder shrinks the images first, then a diffusion model learns in its small latent space.</source>
        <translation>先由自编码器把图像缩小，再由扩散模型在其小潜空间中学习。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stable Diffusion in miniature. First an autoencoder learns to squeeze each picture into a small grid of numbers (4 or 8 times smaller a side) and paint it back; then a diffusion model learns to remove noise in that small grid, with your captions or class folders as prompts. Much cheaper than pixel diffusion for larger images; fine detail is only as good as the autoencoder. Trains in two stages in one run.</source>
        <translation>缩小版的 Stable Diffusion。先由自编码器学会把每张图片压缩成一个小的数字网格（每边小 4 或 8 倍）并画回来；然后扩散模型学会在这个小网格中去除噪声，以你的说明文字或类别文件夹作为提示词。对较大的图像比像素扩散便宜得多；细节只能达到自编码器的水平。在一次运行中分两个阶段训练。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show steps</source>
        <translation>显示步骤</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Decode every denoising step to watch it; off: only the final images (faster).</source>
        <translation>解码每一个去噪步骤以便观看；关闭时只解码最终图像（更快）。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Image GPT (pixels as words)</source>
        <translation>Image GPT（把像素当作词）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Turns each pixel into a word from a learned palette and writes the image like text, one pixel at a time.</source>
        <translation>把每个像素变成学到的调色板中的一个“词”，像写文字一样逐个像素写出图像。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learns a palette of colours from your images, turns every pixel into the index of its nearest colour, and trains a GPT-style transformer to predict each pixel from all the pixels before it in reading order, after the caption&apos;s words if there are any (Image GPT). Exact likelihoods (bits per pixel); it sees the whole image so far, not only nearby pixels, but it is slow to train and to sample.</source>
        <translation>从你的图像中学习一个颜色调色板，把每个像素变成最接近颜色的编号，再训练一个 GPT 式的 Transformer，按阅读顺序根据之前的所有像素（如果有说明文字，则在其词语之后）预测每个像素（Image GPT）。似然是精确的（每像素比特数）；它能看到目前为止的整幅图像，而不只是附近的像素，但训练和采样都很慢。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lower: safer, more typical colours; 0 takes the likeliest.</source>
        <translation>越低：颜色越稳妥、越典型；0 取最可能的颜色。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Draw only from the k likeliest colours (0: all).</source>
        <translation>只从最可能的 k 种颜色中抽取（0：全部）。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>VAE-GAN</source>
        <translation>VAE-GAN</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A VAE whose decoder is also trained against a discriminator; VAE latents with sharper images.</source>
        <translation>解码器同时与判别器对抗训练的变分自编码器；具有 VAE 的潜在空间，图像更清晰。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A variational autoencoder (smooth latent space, every image can be encoded) whose decoder also plays the GAN game: a discriminator judges its pictures, which makes them sharper than a plain VAE&apos;s. Trains a little slower than a VAE and can inherit some GAN instability.</source>
        <translation>一个变分自编码器（潜在空间平滑，每张图像都能编码），其解码器还参与生成对抗网络的博弈：判别器评判它画的图像，使图像比普通 VAE 的更清晰。训练比 VAE 稍慢，也可能继承生成对抗网络的一些不稳定性。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Flow-GAN</source>
        <translation>Flow-GAN</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A normalizing flow also trained against a discriminator; bits/dim as a flow&apos;s, sharper samples.</source>
        <translation>同时与判别器对抗训练的归一化流；bits/dim 与流模型的算法相同，样本更清晰。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A normalizing flow (an invertible network between pictures and Gaussian noise) that learns two ways at once: by likelihood, as a plain flow does, and by fooling a discriminator that judges its samples, as a GAN&apos;s generator does. The adversarial weight sets the balance: samples get sharper, the likelihood of unseen pictures (bits per pixel, still computed exactly) gets worse. Too strong a weight lets the discriminator win: samples turn into bright, repeated patterns; then lower it.</source>
        <translation>一个归一化流（图片与高斯噪声之间的可逆网络），同时用两种方式学习：像普通流模型一样按似然学习，又像 GAN 的生成器一样去骗过评判其样本的判别器。对抗权重决定两者的平衡：样本更清晰，而未见过图片的似然（每像素比特数，仍精确计算）变差。权重太大时判别器会获胜：样本变成明亮、重复的图案；这时请调低它。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reconstruction</source>
        <translation>重建</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>latent</source>
        <translation>潜变量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>recon_mse</source>
        <translation>重建误差</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>kl</source>
        <translation>KL 散度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>beta</source>
        <translation>KL 权重 β</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bpd</source>
        <translation>每维比特数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bits_per_dim</source>
        <translation>每维比特数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>d_loss</source>
        <translation>判别器损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>g_loss</source>
        <translation>生成器损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>d_real</source>
        <translation>判别器·真实图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>d_fake</source>
        <translation>判别器·生成图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>gp</source>
        <translation>梯度惩罚</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>adv</source>
        <translation>对抗损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>g_adv</source>
        <translation>生成器对抗损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fm</source>
        <translation>特征匹配损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>adv_weight</source>
        <translation>对抗损失权重</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>perplexity</source>
        <translation>码本困惑度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>dead_codes</source>
        <translation>未使用的码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>commitment</source>
        <translation>承诺损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prior_bits</source>
        <translation>先验比特数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stage</source>
        <translation>训练阶段</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>palette_bpd</source>
        <translation>调色板 bits/dim</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>latent_loss</source>
        <translation>潜空间损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>r1</source>
        <translation>R1 惩罚</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cls_loss</source>
        <translation>分类器损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cls_acc_low</source>
        <translation>分类准确率（低噪声）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cls_acc_mid</source>
        <translation>分类准确率（中噪声）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cls_acc_high</source>
        <translation>分类准确率（高噪声）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shapes</source>
        <translation>几何图形</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>2,000 colour shapes, 64x64: circles, squares, triangles and stars in six colours and two sizes; captions such as &apos;small red circle&apos;, labels are the shape</source>
        <translation>2,000 张彩色图形，64x64：圆形、正方形、三角形和星形，六种颜色、两种大小；图像描述如 &apos;small red circle&apos;，标签是形状</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Digits</source>
        <translation>手写数字</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>2,000 handwritten-style digits 0-9, 32x32 grayscale, in class folders 0/ to 9/ (labels)</source>
        <translation>2,000 张手写风格的数字 0-9，32x32 灰度，按类别放在文件夹 0/ 到 9/ 中（作为标签）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Faces</source>
        <translation>卡通人脸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1,600 cartoon faces, 64x64: smiling or frowning, four colours, big or small eyes; captions such as &apos;smiling yellow face with big eyes&apos;</source>
        <translation>1,600 张卡通人脸，64x64：微笑或皱眉，四种颜色，大眼睛或小眼睛；图像描述如 &apos;smiling yellow face with big eyes&apos;</translation>
    </message>
</context>
</TS>
