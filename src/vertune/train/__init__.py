"""Fine-tuning: LoRA / QLoRA / full, SFT or continued pretraining, on one CPU or many GPUs.

``recipe.train`` is the whole loop; ``stage.train_stage`` runs it inside the pipeline;
``launch.print_launch_command`` gives the ``accelerate launch`` line for several GPUs.
"""

from vertune.train.launch import print_launch_command
from vertune.train.recipe import TrainResult, train

__all__ = ["TrainResult", "print_launch_command", "train"]
