"""Write a valid synthetic catalog of N entries, deterministic for a seed.

Usage: python scripts/gen_catalog.py N DIR [--seed 0]

About 75% models, 20% datasets and 5% toolkits, over a fixed set of licenses; models name
earlier models as base models and datasets as training data, datasets derive from earlier
datasets, so lineage verdicts have real chains to follow. Text fields have realistic lengths
in English and Chinese. Like the shipped catalog, it passes `llmcat validate --strict`: an
entry with a permissive license and an upstream carries a reviewed ``lineage_note``, as
contributors add when llmcat warns that the lineage restricts it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

LICENSES = [
    ("gen-apache", "yes", "Apache-2.0"),
    ("gen-mit", "yes", "MIT"),
    ("gen-nc", "no", "CC-BY-NC-4.0"),
    ("gen-research", "no", "LicenseRef-Research"),
    ("gen-registration", "conditional", "LicenseRef-Registration"),
    ("gen-mixed", "unknown", "LicenseRef-Mixed"),
    ("gen-sa", "yes", "CC-BY-SA-3.0"),
    ("gen-rail", "conditional", "LicenseRef-RAIL"),
]
LANGS = ["en", "zh", "zh-Hans", "zh-Hant", "fr", "de", "ja", "ko", "es", "ru"]
WORDS = [
    "base",
    "chat",
    "instruct",
    "code",
    "multilingual",
    "lora",
    "rlhf",
    "sft",
    "long-context",
    "quantized",
    "vision",
    "math",
]
ZH = "中文对话模型，支持多轮对话与指令跟随，基于大规模语料预训练并经过监督微调。"


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def license_yaml(lid: str, status: str, spdx: str) -> str:
    conditions = ""
    if status == "conditional":
        conditions = 'conditions:\n  - en: "Register before commercial use."\n    zh: "商业使用前须登记。"\n'
    return (
        f"id: {lid}\nkind: license\nname: Generated {lid}\nspdx: {spdx}\nurl: https://example.org/licenses/{lid}\n"
        f"commercial: {status}\n{conditions}"
        f'summary:\n  en: "A generated license for benchmarks."\n  zh: "用于基准测试的生成许可证。"\n'
        f"sources:\n  - url: https://example.org/licenses/{lid}\n    primary: true\n    about: [commercial]\n"
    )


def common(rng: random.Random, eid: str, kind: str, n: int) -> str:
    tags = rng.sample(WORDS, 3)
    langs = rng.sample(LANGS, rng.randint(1, 3))
    return (
        f"# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"
        f"id: {eid}\nkind: {kind}\nname: {q(eid.replace('-', ' ').title())}\n"
        f"aliases: [{q(eid.upper())}, {q('生成' + str(n))}]\norganization: {q('Lab ' + str(n % 97))}\n"
        f"released: 20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
        f"summary:\n  en: {q(f'Generated {kind} number {n} for benchmarks, tagged ' + ', '.join(tags) + '. ' * 1 + 'It has a realistic summary length so that parsing costs what a real entry costs.')}\n"
        f"  zh: {q(ZH + '编号' + str(n))}\n"
        f"languages: [{', '.join(langs)}]\ntags: [{', '.join(tags)}]\n"
        f"links:\n  repo: https://github.com/example/{eid}\n  huggingface: example/{eid}\n"
        f"sources:\n  - url: https://github.com/example/{eid}/blob/main/README.md\n    primary: true\n    about: [summary, license]\n"
        f"    note: {q('README, English and Chinese')}\n"
    )


PERMISSIVE = {lid for lid, status, _ in LICENSES if status == "yes"}
LINEAGE_NOTE = (
    "lineage_note:\n"
    '  en: "Upstream terms reviewed: the restriction they carry applies to this entry."\n'
    '  zh: "已核对上游条款：其限制适用于本条目。"\n'
)


def reviewed(license_id: str, has_upstream: bool) -> str:
    return LINEAGE_NOTE if has_upstream and license_id in PERMISSIVE else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root: Path = args.dir
    if root.exists():
        shutil.rmtree(root)
    for folder in ("models", "datasets", "toolkits", "licenses"):
        (root / folder).mkdir(parents=True)
    for lid, status, spdx in LICENSES:
        (root / "licenses" / f"{lid}.yaml").write_text(license_yaml(lid, status, spdx), encoding="utf-8")
    datasets: list[str] = []
    models: list[str] = []
    for n in range(args.n - len(LICENSES)):
        roll = rng.random()
        if roll < 0.20 or not datasets:
            eid = f"gen-data-{n}"
            derived = f"derived_from: [{rng.choice(datasets)}]\n" if datasets and rng.random() < 0.3 else ""
            generated = "generated_by: [gpt-4]\n" if rng.random() < 0.1 else ""
            data_license = rng.choice(LICENSES)[0]
            body = (
                common(rng, eid, "dataset", n) + f"license:\n  data: {data_license}\n"
                f"size: {{samples: {rng.randint(1, 900)}K}}\norigin: web-crawl\n{derived}{generated}"
                + reviewed(data_license, bool(derived or generated))
            )
            datasets.append(eid)
            folder = "datasets"
        elif roll < 0.25:
            eid = f"gen-kit-{n}"
            body = (
                common(rng, eid, "toolkit", n) + f"license:\n  code: {rng.choice(LICENSES[:2])[0]}\n"
                "stages: [sft, peft]\nmethods: [lora]\n"
            )
            folder = "toolkits"
        else:
            eid = f"gen-model-{n}"
            params = rng.choice([0.5, 1.3, 3, 6.7, 7, 13, 33, 65])
            layers = {0.5: 24, 1.3: 24, 3: 32, 6.7: 32, 7: 32, 13: 40, 33: 60, 65: 80}[params]
            hidden = {0.5: 1024, 1.3: 2048, 3: 2560, 6.7: 4096, 7: 4096, 13: 5120, 33: 6656, 65: 8192}[params]
            base = f"base_model: {rng.choice(models)}\n" if models and rng.random() < 0.4 else ""
            trained = f"trained_on: [{', '.join(rng.sample(datasets, min(2, len(datasets))))}]\n"
            weights = rng.choice(LICENSES)[0]
            body = (
                common(rng, eid, "model", n) + f"license:\n  weights: {weights}\n  code: gen-apache\n"
                f"family: gen-family-{n % 50}\nparams: {params}B\narchitecture: decoder-only\ncontext_length: 2048\n"
                f"{base}{trained}training_tokens: 1T\n"
                f"config: {{layers: {layers}, hidden_size: {hidden}, attention_heads: {hidden // 128}, vocab_size: 32000}}\n"
                + reviewed(weights, True)
            )
            models.append(eid)
            folder = "models"
        (root / folder / f"{eid}.yaml").write_text(body, encoding="utf-8")
    print(f"wrote {args.n} entries to {root}")


if __name__ == "__main__":
    main()
