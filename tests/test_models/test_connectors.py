"""Connectors: ConvConnector on maps (resized to the teacher's size) and on (N, C) vectors."""

import torch

from mmkd.models.connectors import ConvConnector


def test_conv_connector_maps_vectors_as_a_linear_layer():
    connector = ConvConnector(8, 16, norm=False)
    student, teacher = torch.randn(4, 8), torch.randn(4, 16)
    out = connector(student, teacher)
    weight = connector.proj.weight[:, :, 0, 0]
    assert out.shape == (4, 16)
    assert torch.allclose(out, student @ weight.T + connector.proj.bias, atol=1e-6)


def test_conv_connector_resizes_maps_to_the_teacher():
    connector = ConvConnector(8, 16)
    out = connector(torch.randn(2, 8, 4, 4), torch.randn(2, 16, 8, 8))
    assert out.shape == (2, 16, 8, 8)
