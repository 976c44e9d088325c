"""DIST: relational (Pearson correlation) distillation of class probabilities.

Huang, You, Wang, Qian, Xu. "Knowledge Distillation from A Stronger Teacher", NeurIPS 2022.
"""

from typing import Any

from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_min_ndim, check_same_shape


def pearson_rows(a: Tensor, b: Tensor, eps: float) -> Tensor:
    """Pearson correlation of each row of ``a`` with the same row of ``b`` (2-d inputs):
    ``sum(a' * b') / (||a'|| * ||b'|| + eps)`` with ``a' = a - mean(a)`` per row. A constant row
    has correlation 0."""
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    return (a * b).sum(dim=1) / (a.norm(dim=1) * b.norm(dim=1) + eps)


@MODELS.register_module()
class DISTLoss(DistillLoss):
    """Inter-class and intra-class relations of the softened class probabilities.

    With ``Y_s = softmax(s / tau)``, ``Y_t = softmax(t / tau)`` as ``(B, C)`` matrices, where the
    B rows are the samples of ``(N, C)`` logits or the pixels of ``(N, C, *spatial)`` maps
    (``B = N*H*W``: pixels are treated as samples, as in the paper's segmentation code)::

        inter = 1 - mean_over_rows( pearson(Y_s[b, :], Y_t[b, :]) )     # across classes
        intra = 1 - mean_over_classes( pearson(Y_s[:, c], Y_t[:, c]) )  # across the B rows
        loss  = loss_weight * tau² * (beta * inter + gamma * intra)

    ``pearson(x, y) = sum(x' y') / (||x'|| ||y'|| + eps)`` with mean-centred x', y' (the official
    code's form). A constant vector (e.g. a single row for the intra term) has correlation 0, so
    the term is then a constant 1 with no gradient. The loss is in [0, 2 * tau² * (beta + gamma)]
    and 0 when the student's probabilities equal the teacher's (up to eps). Teacher logits of
    ``-inf`` (``TopKMask(fill='-inf')``) become probability 0 and are fine.

    Args:
        beta: weight of the inter-class relation (1 in the paper's ImageNet and segmentation
            settings).
        gamma: weight of the intra-class relation (1 likewise).
        tau: softmax temperature (1 for ImageNet/segmentation; the paper uses 4 on CIFAR-100).
        eps: added to the denominator of the correlation.
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    def __init__(
        self,
        beta: float = 1.0,
        gamma: float = 1.0,
        tau: float = 1.0,
        eps: float = 1e-8,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if tau <= 0:
            raise ValueError(f'DISTLoss: tau must be > 0, got {tau}')
        self.beta = float(beta)
        self.gamma = float(gamma)
        self.tau = float(tau)
        self.eps = float(eps)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(
            name,
            student,
            teacher,
            "add a connector to resize/project the student logits to the teacher's shape",
        )
        num_classes = student.shape[1]
        s = student.movedim(1, -1).reshape(-1, num_classes)
        t = teacher.detach().movedim(1, -1).reshape(-1, num_classes)
        y_s = (s / self.tau).softmax(dim=1)
        y_t = (t / self.tau).softmax(dim=1)
        inter = 1.0 - pearson_rows(y_s, y_t, self.eps).mean()
        intra = 1.0 - pearson_rows(y_s.t(), y_t.t(), self.eps).mean()
        return self.loss_weight * self.tau**2 * (self.beta * inter + self.gamma * intra)
