"""Transformers: ViT-B/16, BERT-base and GPT-2 small, with every attention matmul explicit.

An attention block is Q, K, V projections (three FC layers on the token
sequence), scores = Q Kᵀ per head, softmax, context = P V per head, and the
output projection — the GEMMs a framework launches. GPT-2's fused ``c_attn``
(one 768→2304 projection) is written as three 768→768 projections: the same
weights and MACs. Dropout layers are identities for counts.
"""

from __future__ import annotations

from workloads.builder import Builder


def _attention(b: Builder, x, name, heads, pre_ln: bool):
    """Self-attention sub-block with residual; pre-LN (ViT, GPT-2) or post-LN (BERT)."""
    h = b.ln(x, name=f"{name}.ln_1") if pre_ln else x
    q = b.fc(h, b.shape(h)[-1], name=f"{name}.attn.q")
    k = b.fc(h, b.shape(h)[-1], name=f"{name}.attn.k")
    v = b.fc(h, b.shape(h)[-1], name=f"{name}.attn.v")
    s = b.attention_scores(q, k, heads, name=f"{name}.attn.scores")
    p = b.softmax(s, name=f"{name}.attn.softmax")
    p = b.dropout(p, name=f"{name}.attn.drop")
    c = b.attention_context(p, v, heads, name=f"{name}.attn.context")
    o = b.fc(c, b.shape(c)[-1], name=f"{name}.attn.out")
    o = b.dropout(o, name=f"{name}.attn.out_drop")
    y = b.add(o, x, name=f"{name}.attn.add")
    return y if pre_ln else b.ln(y, name=f"{name}.attn.ln")


def _mlp(b: Builder, x, name, hidden, pre_ln: bool):
    """Feed-forward sub-block (D → hidden → D, GELU) with residual."""
    h = b.ln(x, name=f"{name}.ln_2") if pre_ln else x
    d = b.shape(h)[-1]
    h = b.act(b.fc(h, hidden, name=f"{name}.mlp.fc1"), "gelu", name=f"{name}.mlp.gelu")
    h = b.dropout(b.fc(h, d, name=f"{name}.mlp.fc2"), name=f"{name}.mlp.drop")
    y = b.add(h, x, name=f"{name}.mlp.add")
    return y if pre_ln else b.ln(y, name=f"{name}.mlp.ln")


def _encoder(b: Builder, x, layers, heads, hidden, pre_ln: bool, prefix: str):
    for i in range(layers):
        x = _attention(b, x, f"{prefix}{i}", heads, pre_ln)
        x = _mlp(b, x, f"{prefix}{i}", hidden, pre_ln)
    return x


def vit_b16(b: Builder, classes: int) -> None:
    """ViT-B/16 (Dosovitskiy et al. 2021; torchvision ``vit_b_16``): 224×224 → 196 patches + class token.

    Patch embedding is a 16×16 stride-16 conv; the class token and the (197, 768)
    position table are one ``pos_embed`` layer; 12 pre-LN encoder layers; the
    head reads the class token.
    """
    x = b.conv("input", 768, 16, 16, name="conv_proj")
    x = b.to_tokens(x, name="patches")
    x = b.pos_embed(x, rows=b.shape(x)[0] + 1, cls_tokens=1, name="cls_pos_embedding")
    x = b.dropout(x, name="encoder.dropout")
    x = _encoder(b, x, 12, 12, 3072, True, "encoder.layers.")
    x = b.ln(x, name="encoder.ln")
    x = b.select(x, name="class_token")
    x = b.fc(x, classes, name="heads.head")
    b.softmax(x, name="prob")


def bert_base(b: Builder, seq_len: int) -> None:
    """BERT-base (Devlin et al. 2019; HF ``BertModel`` for bert-base-uncased): 30522-token vocabulary.

    Word embedding, then position (512 rows) and token-type (2 rows) tables as
    one ``pos_embed`` of 514 rows, LayerNorm, 12 post-LN encoder layers, and the
    pooler (first token → 768 FC → tanh). No task head: 109,482,240 weights.
    """
    x = b.embedding("input", 30522, 768, name="embeddings.word")
    x = b.pos_embed(x, rows=512 + 2, name="embeddings.position_type")
    x = b.ln(x, name="embeddings.ln")
    x = b.dropout(x, name="embeddings.dropout")
    x = _encoder(b, x, 12, 12, 3072, False, "encoder.layer.")
    x = b.select(x, name="pooler.first_token")
    b.act(b.fc(x, 768, name="pooler.dense"), "tanh", name="pooler.tanh")


def gpt2(b: Builder, seq_len: int) -> None:
    """GPT-2 small (Radford et al. 2019; HF ``GPT2LMHeadModel`` for gpt2): 50257-token vocabulary, 1024 positions.

    12 pre-LN decoder layers (causal attention still computes the full T×T
    scores), final LayerNorm, and the LM head tied to the token embedding
    (its MACs count, its weights do not): 124,439,808 weights.
    """
    x = b.embedding("input", 50257, 768, name="wte")
    x = b.pos_embed(x, rows=1024, name="wpe")
    x = b.dropout(x, name="drop")
    x = _encoder(b, x, 12, 12, 3072, True, "h.")
    x = b.ln(x, name="ln_f")
    x = b.fc(x, 50257, bias=False, name="lm_head", shares_weight="wte")
    b.softmax(x, name="prob")
