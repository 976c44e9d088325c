from .export import export_student, is_distiller_config, student_config, student_state_dict

__all__ = ['export_student', 'is_distiller_config', 'student_config', 'student_state_dict']
