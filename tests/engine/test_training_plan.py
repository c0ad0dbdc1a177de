"""Settings for a data set and a device, each with why (studio/engine/training/plan.py)."""
from studio.engine import get_family
from studio.engine.training.plan import RECIPES, DataFacts, plan_training

FACTS = DataFacts(images=2000, image_size=32, channels=3, labels=10)


def reasons(plan):
    return {c.name: c.reason.id for c in plan.choices}


def test_the_default_plan_is_the_familys_defaults_and_says_so():
    for name in ("vae", "gan", "flow", "diffusion", "autoregressive", "vqvae", "vaegan", "igpt", "ldm", "flowgan",
                 "ddgan"):
        cls = get_family(name)
        plan = plan_training(name, FACTS, device="cpu", check_memory=False)
        config = plan.train_config()
        for key, value in cls.train_defaults.items():
            assert getattr(config, key) == value, (name, key)
        assert plan.model_preset == ("small" if "small" in cls.Config.presets else next(iter(cls.Config.presets)))
        why = reasons(plan)
        assert why["model_preset"] == "plan.preset_default" and why["batch_size"] == "plan.family_default"
        assert why["precision"].startswith("precision.") and plan.image_size == 32


def test_a_recipe_sets_minutes_size_and_model_and_on_a_cpu_the_familys_cpu_choice():
    plan = plan_training("diffusion", FACTS, recipe="balanced", device="cpu", check_memory=False)
    cpu_choice = get_family("diffusion").Config.cpu_recipe_presets["balanced"]
    assert plan.model_preset == cpu_choice and reasons(plan)["model_preset"] == "plan.preset_cpu"
    assert plan.train_config().minutes == RECIPES["balanced"].minutes and plan.train_config().steps is None
    quality = plan_training("vae", FACTS, recipe="quality", device="cpu", check_memory=False)
    assert quality.image_size == 64 and quality.model_preset == tuple(get_family("vae").Config.presets)[-1]


def test_what_the_user_gives_wins_and_a_small_set_lowers_the_batch():
    plan = plan_training("vae", FACTS, device="cpu", check_memory=False,
                         given={"lr": 5e-4, "steps": 30, "model_preset": "tiny", "batch_size": None})
    assert (plan.train["lr"], plan.train["steps"], plan.model_preset) == (5e-4, 30, "tiny")
    assert reasons(plan)["lr"] == reasons(plan)["steps"] == reasons(plan)["model_preset"] == "plan.given"
    assert reasons(plan)["batch_size"] == "plan.family_default"          # None is not given
    small = plan_training("vae", DataFacts(30, 32, 3), device="cpu", check_memory=False)
    assert small.train["batch_size"] == 28 and reasons(small)["batch_size"] == "plan.batch_images"


def test_a_given_setting_without_a_rule_of_its_own_is_kept_and_said():
    # mirror, warmup_steps, holdout: TrainConfig fields the plan chooses nothing for were once dropped silently
    plan = plan_training("diffusion", FACTS, device="cpu", check_memory=False,
                         given={"mirror": True, "warmup_steps": 7, "holdout": 0.1, "model_preset": "tiny"})
    config = plan.train_config(seed=0)
    assert (config.mirror, config.warmup_steps, config.holdout) == (True, 7, 0.1)
    assert reasons(plan)["mirror"] == reasons(plan)["warmup_steps"] == reasons(plan)["holdout"] == "plan.given"
    assert plan_training("diffusion", FACTS, device="cpu", check_memory=False).train_config().mirror is False


def test_a_timed_run_on_a_cpu_takes_the_lighter_preset_a_family_names_for_its_image_size(monkeypatch):
    config = get_family("vae").Config
    monkeypatch.setattr(config, "cpu_timed_presets", {32: "tiny"})

    def preset(device="cpu", recipe="default", **given):
        plan = plan_training("vae", FACTS, device=device, recipe=recipe, given=given, check_memory=False)
        return plan.model_preset, reasons(plan)["model_preset"]

    assert preset(minutes=5) == ("tiny", "plan.preset_cpu_size")
    assert preset(recipe="balanced") == ("tiny", "plan.preset_cpu_size")
    assert preset(steps=100) == ("small", "plan.preset_default")               # a run measured in steps: as before
    assert preset(minutes=5, image_size=16) == ("small", "plan.preset_default")   # measured at 32 px only
    assert preset(minutes=5, model_preset="small") == ("small", "plan.given")
    assert preset(recipe="quality")[0] == "base"                               # 64 px: the recipe's own
    monkeypatch.setattr(config, "cpu_timed_presets", {32: "small"})
    assert preset(recipe="quick") == ("tiny", "plan.preset_recipe")           # never a larger one than chosen
