"""The catalog schema: pydantic models for models, datasets, toolkits and licenses.

No I/O here. Field value types (ids, dates, text...) live in `llmcat.fields`; error types raised
by the validators are llmcat rule ids, so that messages can be keyed by type, never by English text.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from llmcat.fields import (
    CJK_RE,
    CJK_SPACE_RE,
    Architecture,
    Commercial,
    Count,
    Date,
    Day,
    EntryId,
    LanguageTag,
    Line,
    ModelScopeId,
    Origin,
    ParamCount,
    RepoId,
    Stage,
    Status,
    Text,
    Url,
    Word,
)
from llmcat.vocab import MEASURED, MEASURED_HELP, PRECISIONS_BY_MODE, Measured, Mode, Precision


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, validate_default=False, use_attribute_docstrings=False)


class Bilingual(Strict):
    """Text in English and Chinese, kept together in one file."""

    en: Text = Field(description="English text.")
    zh: Text = Field(description="Chinese text (简体中文).")

    @model_validator(mode="after")
    def _languages_match(self) -> Bilingual:
        if not CJK_RE.search(self.zh):
            raise PydanticCustomError("zh-not-chinese", "zh has no Chinese characters; write it in Chinese", {})
        spaced = CJK_SPACE_RE.search(self.zh)
        if spaced:
            raise PydanticCustomError(
                "cjk-space",
                "zh has a space between two Chinese characters or next to Chinese punctuation ('{context}'); "
                "a folded `>-` line break adds one: "
                "write the Chinese text on one line, or in double quotes ending each line with \\",
                {"context": self.zh[max(0, spaced.start() - 6) : spaced.end() + 6].replace("\n", " ")},
            )
        cjk = len(CJK_RE.findall(self.en))
        if cjk > max(8, len(self.en) // 4):
            raise PydanticCustomError("en-not-english", "en is mostly Chinese; write it in English", {})
        return self


class Links(Strict):
    """Where the project lives."""

    repo: Url | None = Field(None, description="Source repository URL.")
    homepage: Url | None = Field(None, description="Project home page URL.")
    paper: Url | None = Field(None, description="Paper or technical report URL.")
    huggingface: RepoId | None = Field(None, description="Hugging Face Hub repo id as 'org/name' (not a URL).")
    modelscope: ModelScopeId | None = Field(
        None, description="ModelScope repo id as 'org/name' (where many users in China download)."
    )
    docs: Url | None = Field(None, description="Documentation URL.")


class Source(Strict):
    """A source where facts of the entry were verified."""

    url: Url = Field(description="URL of the README, license, model/dataset card or paper that was read.")
    primary: bool = Field(
        description="true for the project's own repository, card, paper, license or its authors' announcement; "
        "false for a mirror, a news site or a third-party loader (validate warns on facts backed only by those)."
    )
    about: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="Names of the entry's fields this source supports."
    )
    note: Text | None = Field(None, description="Remark on the source, e.g. where its languages disagree.")
    checked: Day | None = Field(
        None,
        description="When the source was last read against the entry (YYYY-MM-DD); "
        "`llmcat validate --stale 365d` warns on older ones and on sources without it.",
    )


GeneratorNaming = Literal["model", "product", "vendor"]


class Generator(Strict):
    """A model whose output the data contains, named no more exactly than the sources name it."""

    model: Line = Field(description="The generating model as the sources name it (text-davinci-003, ChatGPT, GPT-4).")
    named: GeneratorNaming = Field(
        "model",
        description="model: the sources name an exact model; product: only a product or family (ChatGPT); "
        "vendor: only the company (OpenAI).",
    )
    note: Text | None = Field(None, description="What the sources say, where they disagree or what is uncertain.")


def _generator(value: Any) -> Any:
    return {"model": value} if isinstance(value, str) else value


GeneratorItem = Annotated[Generator, BeforeValidator(_generator, json_schema_input_type=str | Generator)]


class LicenseChange(Strict):
    """The license in force from a date on (for licenses that changed)."""

    since: Date = Field(description="Date from which this license applied (YYYY-MM or YYYY-MM-DD).")
    weights: EntryId | None = Field(None, description="License id of the weights from that date (models).")
    data: EntryId | None = Field(None, description="License id of the data from that date (datasets).")
    code: EntryId | None = Field(None, description="License id of the code from that date.")
    source: Url = Field(description="Where the change is recorded (commit, README news, model card).")
    note: Text | None = Field(None, description="What changed.")

    @model_validator(mode="after")
    def _names_a_license(self) -> LicenseChange:
        if self.weights is None and self.data is None and self.code is None:
            raise PydanticCustomError("missing-license", "name at least one of weights, data or code", {})
        return self


class ModelLicense(Strict):
    """License ids for a model."""

    weights: EntryId = Field(description="License id of the model weights.")
    code: EntryId | None = Field(None, description="License id of the code released with the model.")


class DatasetLicense(Strict):
    """License id for a dataset."""

    data: EntryId = Field(description="License id of the data.")
    code: EntryId | None = Field(None, description="License id of the code that builds the data.")


class ToolkitLicense(Strict):
    """License id for a toolkit."""

    code: EntryId = Field(description="License id of the code.")


class ModelConfig(Strict):
    """Architecture figures from the published config.json or paper."""

    layers: Count = Field(description="Number of transformer layers.")
    hidden_size: Count = Field(description="Hidden (model) dimension.")
    attention_heads: Count = Field(description="Number of attention (query) heads.")
    kv_heads: Count | None = Field(
        None, description="Key/value heads (fewer than attention_heads with multi-query or grouped-query attention)."
    )
    vocab_size: Count | None = Field(None, description="Vocabulary size.")
    intermediate_size: Count | None = Field(None, description="Feed-forward inner dimension.")

    @model_validator(mode="after")
    def _heads_fit(self) -> ModelConfig:
        if self.kv_heads is not None and self.kv_heads > self.attention_heads:
            raise PydanticCustomError("bad-config", "kv_heads cannot exceed attention_heads", {})
        return self


class HardwareFigure(Strict):
    """A memory requirement the project itself states, with the setting it was measured at.

    Figures are GiB: what projects print as "GB" is PyTorch's bytes / 1024**3, and a card sold as
    "24 GB" holds 24 GiB. `fit` uses a figure as it stands only for a query its setting covers."""

    mode: Mode = Field(description="What the figure is for.")
    precision: Precision = Field(
        description="Numeric precision of the weights (for LoRA and P-tuning the frozen base; Q-LoRA is int4)."
    )
    vram_gib: float = Field(
        gt=0, le=10000, description="GPU memory in GiB (what projects write as GB), per GPU when gpus is given."
    )
    gpus: Count | None = Field(
        None, description="GPUs in the stated setup (e.g. 4 for 4 x A100 80G with FSDP); absent for one GPU or a total."
    )
    ram_gib: float | None = Field(None, gt=0, le=100000, description="CPU memory in GiB, as stated.")
    context: Count | None = Field(
        None, description="Tokens (prompt plus output, or training sequence length) the figure was measured at."
    )
    batch: Count | None = Field(None, description="Batch size the figure was measured at (absent: 1).")
    measured: Measured | None = Field(
        None,
        description=f"What the figure covers ({', '.join(MEASURED)}): {MEASURED_HELP}.",
    )
    note: Text | None = Field(None, description="Conditions of the figure (GPU, recipe) and how it was read.")
    source: Url = Field(description="Where the project states it.")

    @model_validator(mode="after")
    def _precision_fits_mode(self) -> HardwareFigure:
        allowed = PRECISIONS_BY_MODE[self.mode]
        if self.precision not in allowed:
            raise PydanticCustomError(
                "bad-precision",
                "{mode} does not run at {precision}; write one of {allowed}",
                {"mode": self.mode, "precision": self.precision, "allowed": ", ".join(allowed)},
            )
        return self


QuantFormat = Literal["gptq", "awq", "gguf", "bnb", "fp8", "int8", "int4"]


class QuantizedVariant(Strict):
    """An official quantized release of the model (by its own publisher)."""

    format: QuantFormat = Field(
        description="gptq, awq, gguf, bnb (bitsandbytes), fp8, or int8/int4 for the publisher's own scheme."
    )
    bits: Annotated[int, Field(ge=1, le=16)] | None = Field(None, description="Bits per weight (4, 8).")
    huggingface: RepoId | None = Field(None, description="Hugging Face repo id of the quantized weights.")
    modelscope: ModelScopeId | None = Field(None, description="ModelScope repo id of the quantized weights.")
    url: Url | None = Field(None, description="Download page, where it is neither on the Hub nor on ModelScope.")
    source: Url = Field(description="Where the publisher lists this variant.")
    note: Text | None = Field(None, description="What the variant is (group size, which layers stay in 16 bit).")

    @model_validator(mode="after")
    def _names_a_place(self) -> QuantizedVariant:
        if not (self.huggingface or self.modelscope or self.url):
            raise PydanticCustomError("missing-repo", "name where it is: huggingface, modelscope or url", {})
        return self


class DatasetSize(Strict):
    """How big a dataset is."""

    tokens: Count | None = Field(None, description="Tokens (shorthand such as 1.2T allowed).")
    samples: Count | None = Field(None, description="Samples, instructions or conversations (e.g. 52K).")
    disk_gb: float | None = Field(None, gt=0, description="Size on disk in GB.")


class EntryBase(Strict):
    id: EntryId = Field(description="Lowercase id; equals the file name without .yaml.")
    name: Line = Field(description="Display name as the project writes it.")
    aliases: list[Line] = Field(default_factory=list, description="Other names users type, Chinese names included.")
    organization: Line = Field(description="Who released it.")
    released: Date | None = Field(None, description="Release date, YYYY-MM or YYYY-MM-DD, from a primary source.")
    summary: Bilingual = Field(description="What it is, in English and Chinese.")
    notes: Bilingual | None = Field(
        None, description="Corrections of common claims, disagreements between sources, license changes."
    )
    tags: list[Word] = Field(default_factory=list, description="Lowercase keywords.")
    links: Links = Field(default_factory=Links, description="Repository, home page, paper, Hugging Face id, docs.")
    sources: list[Source] = Field(min_length=1, description="Primary sources the facts were verified against.")
    status: Status = Field("available", description="available, gated (by request), removed or superseded.")
    status_note: Text | None = Field(None, description="Why the status is what it is.")
    replaced_by: EntryId | None = Field(None, description="Id of the entry that supersedes this one.")
    license_history: list[LicenseChange] = Field(
        default_factory=list, description="Licenses in force over time, oldest first, for licenses that changed."
    )
    override_reason: Text | None = Field(
        None,
        description="Why the restrictions of the upstream entries in override_covers do not pass to this "
        "entry (rare; cite a source).",
    )
    override_covers: list[EntryId] = Field(
        default_factory=list,
        description="The upstream entries (base model, training or source data) whose restrictions "
        "override_reason sets aside; restrictions from any other upstream entry still pass on. "
        "Given together with override_reason.",
    )

    lineage_note: Bilingual | None = Field(
        None,
        description="A reviewed explanation of a restriction inherited from the lineage that the entry's own "
        "license does not state; the verdict still follows the lineage, and validate stops warning.",
    )

    @model_validator(mode="after")
    def _history_ordered(self) -> EntryBase:
        dates = [change.since for change in self.license_history]
        if dates != sorted(dates):
            raise PydanticCustomError("history-order", "license_history must be oldest first", {})
        if bool(self.override_reason) != bool(self.override_covers):
            raise PydanticCustomError(
                "override-scope",
                "override_reason and override_covers go together: say why, and which upstream entries it covers",
                {},
            )
        return self


class ModelEntry(EntryBase):
    """An LLM: pretrained, fine-tuned or chat model weights."""

    kind: Literal["model"] = Field(description="Always 'model' (the folder is catalog/models/).")
    languages: list[LanguageTag] = Field(min_length=1, description="BCP-47 tags of the languages it handles.")
    license: ModelLicense = Field(description="License ids of weights and code.")
    family: EntryId | None = Field(None, description="Family shared by variants (e.g. pythia).")
    params: ParamCount | None = Field(
        None, description="Parameter count (6.2B, 770M, 6.2e9 or an integer; 7 alone is refused: 7B?)."
    )
    active_params: ParamCount | None = Field(
        None, description="Parameters active per token, for mixture-of-experts models (params is the total)."
    )
    architecture: Architecture | None = Field(None, description="decoder-only, encoder-decoder or prefix-lm.")
    context_length: Count | None = Field(None, description="Context window in tokens.")
    base_model: EntryId | None = Field(None, description="Id of the model it was fine-tuned or continued from.")
    trained_on: list[EntryId] = Field(default_factory=list, description="Ids of the datasets it was trained on.")
    training_tokens: Count | None = Field(None, description="Pretraining tokens (shorthand allowed).")
    config: ModelConfig | None = Field(None, description="Architecture figures from the published config.")
    hardware: list[HardwareFigure] = Field(default_factory=list, description="Memory requirements the project states.")
    quantized: list[QuantizedVariant] = Field(
        default_factory=list, description="Official quantized releases (GPTQ, AWQ, GGUF, int4...)."
    )

    @field_validator("active_params")
    @classmethod
    def _active_within_total(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("params")
        if value is not None and (total is None or value > total):
            raise PydanticCustomError(
                "active-params", "active_params needs params (the total) and cannot exceed it", {}
            )
        return value


class DatasetEntry(EntryBase):
    """A pretraining or instruction dataset."""

    kind: Literal["dataset"] = Field(description="Always 'dataset' (the folder is catalog/datasets/).")
    languages: list[LanguageTag] = Field(min_length=1, description="BCP-47 tags of the languages of the data.")
    license: DatasetLicense = Field(description="License id of the data.")
    size: DatasetSize | None = Field(None, description="Tokens, samples and disk size.")
    origin: Origin | None = Field(None, description="How the data was made.")
    generated_by: list[GeneratorItem] = Field(
        default_factory=list,
        description="Models whose output the data contains: a name (text-davinci-003) when the sources name the "
        "exact model, else {model, named: product|vendor, note}.",
    )
    derived_from: list[EntryId] = Field(default_factory=list, description="Ids of the datasets it was built from.")


class ToolkitEntry(EntryBase):
    """A training, fine-tuning or serving toolkit."""

    kind: Literal["toolkit"] = Field(description="Always 'toolkit' (the folder is catalog/toolkits/).")
    languages: list[LanguageTag] = Field(default_factory=list, description="Languages of its documentation.")
    license: ToolkitLicense = Field(description="License id of the code.")
    stages: list[Stage] = Field(default_factory=list, description="Stages of the LLM life cycle it covers.")
    methods: list[Word] = Field(default_factory=list, description="Methods it implements (lora, ppo, ...).")
    supports: list[Line] = Field(default_factory=list, description="Model ids or family names it supports.")


ThresholdMetric = Literal["monthly-active-users", "daily-active-users", "annual-revenue"]


class Threshold(Strict):
    """A size above which the license's free terms stop (users, revenue)."""

    metric: ThresholdMetric = Field(description="monthly-active-users, daily-active-users or annual-revenue.")
    limit: Count = Field(description="The limit (700M, 100M, 1B); users, or an amount of money.")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="ISO 4217 code (USD, CNY), for annual-revenue."
    )
    beyond: Bilingual = Field(description="What applies above the limit (a separate license, a request).")
    source: Url = Field(description="The clause of the license that sets it.")

    @model_validator(mode="after")
    def _money_has_currency(self) -> Threshold:
        if (self.metric == "annual-revenue") != (self.currency is not None):
            raise PydanticCustomError("bad-threshold", "annual-revenue needs a currency; user counts have none", {})
        return self


class LicenseEntry(Strict):
    """A license, with what it means for commercial use."""

    id: EntryId = Field(description="Lowercase id; equals the file name without .yaml.")
    kind: Literal["license"] = Field(description="Always 'license' (the folder is catalog/licenses/).")
    name: Line = Field(description="Full name of the license.")
    spdx: Annotated[str, Field(pattern=r"^(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.+-]*)$")] = Field(
        description="SPDX identifier, or LicenseRef-... for custom licenses."
    )
    url: Url | None = Field(
        None, description="Canonical text of the license (absent for records such as mixed-per-source)."
    )
    commercial: Commercial = Field(description="yes, no, conditional or unknown.")
    conditions: list[Bilingual] = Field(default_factory=list, description="Conditions on (commercial) use.")
    obligations: list[Bilingual] = Field(default_factory=list, description="Attribution, share-alike and the like.")
    based_on: EntryId | None = Field(
        None, description="Id of the standard license this one adds terms to (e.g. AGPL-3.0 plus an authorisation)."
    )
    hub_ids: list[Line] = Field(
        default_factory=list,
        description="License tags the Hugging Face Hub uses for it (e.g. bigscience-bloom-rail-1.0).",
    )
    applies_to_outputs_of: list[Line] = Field(
        default_factory=list, description="Models whose generated text these terms govern (e.g. text-davinci-003)."
    )
    thresholds: list[Threshold] = Field(
        default_factory=list, description="Sizes above which the free terms stop (monthly active users, revenue)."
    )
    summary: Bilingual = Field(description="What the license allows, in English and Chinese.")
    notes: Bilingual | None = Field(None, description="History and caveats.")
    sources: list[Source] = Field(min_length=1, description="Where the terms were read.")

    @model_validator(mode="after")
    def _conditional_has_conditions(self) -> LicenseEntry:
        if self.commercial == "conditional" and not self.conditions:
            raise PydanticCustomError(
                "missing-conditions", "commercial is 'conditional' but no conditions are listed", {}
            )
        return self

    @field_validator("thresholds")
    @classmethod
    def _thresholds_make_it_conditional(cls, value: list[Threshold], info: ValidationInfo) -> list[Threshold]:
        if value and info.data.get("commercial") != "conditional":
            raise PydanticCustomError(
                "threshold-not-conditional", "a license with thresholds is 'conditional' for commercial use", {}
            )
        return value


Entry = ModelEntry | DatasetEntry | ToolkitEntry | LicenseEntry
MODEL_BY_KIND: dict[str, type[Entry]] = {
    "model": ModelEntry,
    "dataset": DatasetEntry,
    "toolkit": ToolkitEntry,
    "license": LicenseEntry,
}
FOLDER_BY_KIND = {"model": "models", "dataset": "datasets", "toolkit": "toolkits", "license": "licenses"}
KIND_BY_FOLDER = {folder: kind for kind, folder in FOLDER_BY_KIND.items()}
LICENSE_KEYS_BY_KIND = {"model": ("weights", "code"), "dataset": ("data", "code"), "toolkit": ("code",)}
