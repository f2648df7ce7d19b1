"""Embedded models: tiny Qwen3-architecture LMs built locally, with no hub access.

They let the whole pipeline (data, training, evaluation, serving) run end to end on a laptop or in
CI. A build is deterministic and cached: the folder name carries a hash of the recipe, the
tokenizer spec, the corpus, the committed weights and the library versions, and the folder is
written atomically. After the build the folder is an ordinary Hugging Face model folder, loaded
like any other.

A model with a file in ``weights/`` (``tiny-qwen3``) is a real, if small, base model: its
weights were trained once by ``python -m vertune.train.base_model`` and committed, so it models
language and follows instructions before any fine-tuning. One without (the distillation
student) starts from its seeded random initialisation.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import tokenizers
import torch
import transformers
from safetensors.torch import load_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

from vertune.atomic import atomic_dir

PREFIX = "embedded:"

ENDOFTEXT, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [ENDOFTEXT, IM_START, IM_END]
TOKENIZER_VOCAB_SIZE = 8000
# Qwen2/Qwen3 pre-tokenizer split: letters runs, single digits, punctuation runs, whitespace.
SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@dataclass(frozen=True)
class EmbeddedRecipe:
    """Architecture and seed of one embedded model; every field feeds the cache hash."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    intermediate_size: int
    max_position_embeddings: int = 2048
    seed: int = 0


# Add a model by adding a line; all of them share the tokenizer, so they can distil into each other.
EMBEDDED: dict[str, EmbeddedRecipe] = {
    "tiny-qwen3": EmbeddedRecipe(256, 4, 4, 2, 64, 688),
    "tiny-qwen3-student": EmbeddedRecipe(128, 2, 4, 2, 32, 344),
}


class UnknownEmbeddedModel(ValueError):
    """An ``embedded:<name>`` spec names no recipe in :data:`EMBEDDED`."""


def cache_root() -> Path:
    """``$VERTUNE_CACHE`` or ``~/.cache/vertune``: where built artifacts are kept between runs."""
    return Path(os.environ.get("VERTUNE_CACHE") or Path.home() / ".cache" / "vertune")


def recipe_for(name: str) -> EmbeddedRecipe:
    """Look up a recipe, failing with the list of known names so a typo is easy to fix."""
    try:
        return EMBEDDED[name]
    except KeyError:
        known = ", ".join(PREFIX + n for n in sorted(EMBEDDED))
        raise UnknownEmbeddedModel(f"unknown embedded model {PREFIX + name!r}; known: {known}") from None


WEIGHTS_DIR = Path(__file__).parent / "weights"


def weights_file(name: str) -> Path:
    """Where the committed trained weights of an embedded model live (may not exist)."""
    return WEIGHTS_DIR / f"{name}.safetensors"


def _corpus_text() -> str:
    return (resources.files("vertune.model") / "tokenizer_corpus.txt").read_text(encoding="utf-8")


def build_hash(recipe: EmbeddedRecipe, corpus: str, weights: Path | None = None) -> str:
    """Short hash of everything that determines the built files, so a change never reuses a stale folder."""
    spec = {
        "recipe": asdict(recipe),
        "tokenizer": [TOKENIZER_VOCAB_SIZE, SPLIT_PATTERN, SPECIAL_TOKENS, CHAT_TEMPLATE],
        "corpus": hashlib.sha256(corpus.encode("utf-8")).hexdigest(),
        "weights": hashlib.sha256(weights.read_bytes()).hexdigest() if weights and weights.is_file() else None,
        "versions": [torch.__version__, transformers.__version__, tokenizers.__version__],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def embedded_path(name: str, cache_dir: Path | None = None) -> Path:
    """Folder of a built embedded model, building it first if it is not in the cache."""
    recipe = recipe_for(name)
    corpus = _corpus_text()
    weights = weights_file(name)
    target = (cache_dir or cache_root()) / "models" / f"{name}-{build_hash(recipe, corpus, weights)}"
    if not target.is_dir():  # atomic_dir guarantees an existing folder is complete
        with atomic_dir(target) as tmp:
            _build(recipe, corpus, tmp, weights if weights.is_file() else None)
    return target


def build_untrained(name: str, folder: Path) -> Path:
    """Write the seeded random initialisation of ``name`` (what ``base_model`` trains from)."""
    _build(recipe_for(name), _corpus_text(), folder, None)
    return folder


def train_tokenizer(corpus: str) -> PreTrainedTokenizerFast:
    """Byte-level BPE in the Qwen style: lossless on any text (Chinese, symbols, tickers)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=TOKENIZER_VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    lines = corpus.splitlines(keepends=True)
    tok.train_from_iterator(lines, trainer, length=len(lines))
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=ENDOFTEXT,
        pad_token=ENDOFTEXT,
        chat_template=CHAT_TEMPLATE,
        clean_up_tokenization_spaces=False,
        model_max_length=2048,
    )


def _build(recipe: EmbeddedRecipe, corpus: str, folder: Path, weights: Path | None) -> None:
    tokenizer = train_tokenizer(corpus)
    endoftext, im_end = tokenizer.convert_tokens_to_ids([ENDOFTEXT, IM_END])
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=recipe.hidden_size,
        intermediate_size=recipe.intermediate_size,
        num_hidden_layers=recipe.num_hidden_layers,
        num_attention_heads=recipe.num_attention_heads,
        num_key_value_heads=recipe.num_key_value_heads,
        head_dim=recipe.head_dim,
        max_position_embeddings=recipe.max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=endoftext,
        eos_token_id=im_end,
        pad_token_id=endoftext,
        dtype="float32",
    )
    with torch.random.fork_rng(devices=[]):  # seed the init without disturbing the caller's RNG
        torch.manual_seed(recipe.seed)
        model = Qwen3ForCausalLM(config)
    if weights is not None:
        state = {key: tensor.float() for key, tensor in load_file(str(weights)).items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or set(missing) - {"lm_head.weight"}:  # lm_head is tied to the embedding
            raise ValueError(f"{weights} does not fit {recipe}: missing {missing}, unexpected {unexpected}")
    model.generation_config = GenerationConfig(bos_token_id=endoftext, eos_token_id=im_end, pad_token_id=endoftext)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
