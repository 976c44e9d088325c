# The demo's classification pair on the 10 digit classes: CIFAR ResNet-20 (teacher, 0.27M
# parameters) and ResNet-8 (student, 0.08M); ResNet-14 is the second teacher of the
# multi-teacher demo. Taps: backbone.layer1..3, head.fc (logits).
cls_preprocessor = dict(
    type='ClsDataPreprocessor', num_classes=10, mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False
)


def _classifier(depth):
    return dict(
        type='ImageClassifier',
        data_preprocessor=cls_preprocessor,
        backbone=dict(type='mmkd.CIFARResNet', depth=depth),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=10,
            in_channels=64,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        ),
    )


cls_demo_teacher = _classifier(20)
cls_demo_student = _classifier(8)
cls_demo_teacher2 = _classifier(14)
