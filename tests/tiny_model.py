"""A tiny random-weight Llama and a BPE tokenizer trained here, so `transformers serve` has a real model
to load with no hub download: 2 layers, hidden 64, vocabulary ~300, a chat template.

Written as `LlamaForCausalLM.save_pretrained` and `PreTrainedTokenizerFast.save_pretrained` write it (the
same tensor names, shapes and float32 weights drawn as Llama initialises them: normal(0, 0.02), norms at one),
with numpy, safetensors and tokenizers only: importing torch and transformers here cost the test process
about 9 s of CPU, once more than the server that loads the model."""

from __future__ import annotations

import json
from pathlib import Path

HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS = 64, 128, 2, 4, 2
CHAT_TEMPLATE = ("{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}"
                 "{% if add_generation_prompt %}<s>assistant:{% endif %}")


def make(out: Path) -> Path:
    import numpy as np
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(["the model answers questions about refunds, invoices and prime numbers."] * 50, trainer)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    vocab, head_dim = tok.get_vocab_size(), HIDDEN // HEADS
    rng = np.random.default_rng(0)

    def linear(rows: int, cols: int) -> np.ndarray:
        return rng.normal(0.0, 0.02, (rows, cols)).astype(np.float32)

    tensors = {"model.embed_tokens.weight": linear(vocab, HIDDEN), "lm_head.weight": linear(vocab, HIDDEN),
               "model.norm.weight": np.ones(HIDDEN, np.float32)}
    for i in range(LAYERS):
        layer = f"model.layers.{i}."
        tensors |= {layer + "self_attn.q_proj.weight": linear(HEADS * head_dim, HIDDEN),
                    layer + "self_attn.k_proj.weight": linear(KV_HEADS * head_dim, HIDDEN),
                    layer + "self_attn.v_proj.weight": linear(KV_HEADS * head_dim, HIDDEN),
                    layer + "self_attn.o_proj.weight": linear(HIDDEN, HEADS * head_dim),
                    layer + "mlp.gate_proj.weight": linear(INTERMEDIATE, HIDDEN), layer + "mlp.up_proj.weight": linear(INTERMEDIATE, HIDDEN),
                    layer + "mlp.down_proj.weight": linear(HIDDEN, INTERMEDIATE),
                    layer + "input_layernorm.weight": np.ones(HIDDEN, np.float32),
                    layer + "post_attention_layernorm.weight": np.ones(HIDDEN, np.float32)}
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab, "hidden_size": HIDDEN,
              "intermediate_size": INTERMEDIATE, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS,
              "head_dim": head_dim, "hidden_act": "silu", "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
              "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False, "initializer_range": 0.02, "use_cache": True,
              "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    _write(out / "config.json", config)
    _write(out / "generation_config.json", {"bos_token_id": 1, "eos_token_id": 2})
    _write(out / "tokenizer_config.json", {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                                           "unk_token": "<unk>", "chat_template": CHAT_TEMPLATE})
    (out / "chat_template.jinja").write_text(CHAT_TEMPLATE)
    return out


def _write(path: Path, body: dict) -> None:
    path.write_text(json.dumps(body, indent=2) + "\n")
