"""The TMCL network: a modulated backbone with its SSL projector, TMCL head and predictor, and
(for the supervised baseline) a linear classifier (card P02 §3).

One factory serves the four registered models, which differ only in ``method``: ``tmcl``
(``vi_mi``: view invariance + modulation invariance), ``vi`` (SSL only), ``cassle`` (``vi_si``:
SSL + CaSSLe-style distillation from the previous session's frozen network, no labels) and
``supervised`` (cross-entropy fine-tuning on the same labels). The protocol reads ``net.method``.
"""

from __future__ import annotations

from torch import nn

from implementations.tmcl.backbone import MLPBackbone, ViTBackbone
from implementations.tmcl.heads import predictor, projector

METHODS = ("tmcl", "vi", "cassle", "supervised")


class TMCLNet(nn.Module):
    def __init__(self, backbone: nn.Module, head_width: int, n_classes: int, method: str) -> None:
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"unknown TMCL method '{method}'; known: {', '.join(METHODS)}")
        self.method = method
        self.backbone = backbone
        self.ssl_head = projector(backbone.features, head_width)
        self.tmcl_head = projector(backbone.features, head_width)
        self.predictor = predictor(head_width)
        self.classifier = nn.Linear(backbone.features, n_classes)
        # cassle only, and built last, so that the other methods' initial weights stay as they were:
        # the repo's ``distill_pred`` (Linear-BN-ReLU-Linear, 2048 wide) maps the current projection
        # onto the frozen previous-session projection
        self.distill_predictor = predictor(head_width) if method == "cassle" else None

    def feedforward_parameters(self):
        """Backbone weights without the modulations (what Stage B and fine-tuning train)."""
        return [p for n, p in self.backbone.named_parameters() if ".modulation." not in f".{n}"]

    def modulation_parameters(self):
        return [p for n, p in self.backbone.named_parameters() if ".modulation." in f".{n}"]


def build(
    image_shape: tuple[int, int, int],
    n_classes: int,
    *,
    method: str = "tmcl",
    arch: str = "mlp",
    hidden: int = 128,
    features: int = 128,
    head_width: int = 128,
    patch: int = 4,
    dim: int = 384,
    depth: int = 6,
    heads: int = 12,
) -> TMCLNet:
    """Factory: ``arch='mlp'`` (smoke: 64 -> hidden -> features) or ``'vit'`` (paper stand-in)."""
    c, h, w = image_shape
    if arch == "mlp":
        bb = MLPBackbone(c * h * w, hidden, features, n_classes)
    elif arch == "vit":
        bb = ViTBackbone(h, patch, c, dim, depth, heads, n_classes)
    else:
        raise ValueError(f"unknown backbone '{arch}'; known: mlp, vit")
    return TMCLNet(bb, head_width, n_classes, method)


def build_tmcl(image_shape, n_classes, **kw) -> TMCLNet:
    return build(image_shape, n_classes, **{**kw, "method": "tmcl"})


def build_vi(image_shape, n_classes, **kw) -> TMCLNet:
    return build(image_shape, n_classes, **{**kw, "method": "vi"})


def build_cassle(image_shape, n_classes, **kw) -> TMCLNet:
    return build(image_shape, n_classes, **{**kw, "method": "cassle"})


def build_supervised(image_shape, n_classes, **kw) -> TMCLNet:
    return build(image_shape, n_classes, **{**kw, "method": "supervised"})
