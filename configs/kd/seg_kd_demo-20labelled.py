# KD in the label-scarce demo, on the 20 annotated frames only: the same images and labels as
# the student alone, plus the teacher's predictions. The KL is taken on the logits upsampled
# x8 to the image, where the cross-entropy acts (configs/kd/README.md says why).
_base_ = ['./seg_kd_demo.py']
train_dataloader = dict(dataset=dict(indices=20))
model = dict(
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes-20labelled/'
                 'iter_600.pth',
    losses=dict(kd=dict(upsample=8)))
