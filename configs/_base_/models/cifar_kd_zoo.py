# The classic CIFAR-100 KD model zoo as mmpretrain ImageClassifiers (backbones in mmkd).
# Use them by name in distillation configs: student=_base_.resnet20, teacher=_base_.resnet56.
# Taps: backbone.layer1..layer3 (VGG: backbone.layer1..layer5), head.fc for the logits.
cifar_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False,
)


def _classifier(backbone, channels):
    return dict(
        type='ImageClassifier',
        data_preprocessor=cifar_preprocessor,
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=100,
            in_channels=channels,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        ),
    )


resnet20 = _classifier(dict(type='mmkd.CIFARResNet', depth=20), 64)
resnet32 = _classifier(dict(type='mmkd.CIFARResNet', depth=32), 64)
resnet56 = _classifier(dict(type='mmkd.CIFARResNet', depth=56), 64)
resnet110 = _classifier(dict(type='mmkd.CIFARResNet', depth=110), 64)
resnet8x4 = _classifier(dict(type='mmkd.CIFARResNet', depth=8, width_multiplier=4), 256)
resnet32x4 = _classifier(dict(type='mmkd.CIFARResNet', depth=32, width_multiplier=4), 256)
wrn_16_2 = _classifier(dict(type='mmkd.WideResNet', depth=16, widen_factor=2), 128)
wrn_40_1 = _classifier(dict(type='mmkd.WideResNet', depth=40, widen_factor=1), 64)
wrn_40_2 = _classifier(dict(type='mmkd.WideResNet', depth=40, widen_factor=2), 128)
vgg8 = _classifier(dict(type='mmkd.CIFARVGG', depth=8), 512)
vgg13 = _classifier(dict(type='mmkd.CIFARVGG', depth=13), 512)
