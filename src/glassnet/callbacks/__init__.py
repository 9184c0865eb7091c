"""Callbacks (Keras: ``keras.callbacks``): hooks ``fit`` calls at the start and end of training, epochs and batches.

- :mod:`~glassnet.callbacks.base` — ``Callback`` (the hooks, and the state a resumed run restores), ``CallbackList``;
- :mod:`~glassnet.callbacks.history` — ``History``, which ``fit`` returns;
- :mod:`~glassnet.callbacks.stopping` — ``EarlyStopping``, ``TerminateOnNaN``;
- :mod:`~glassnet.callbacks.checkpoints` — ``ModelCheckpoint``, ``BackupAndRestore`` (kill-safe resume);
- :mod:`~glassnet.callbacks.learning_rate` — ``ReduceLROnPlateau``, ``LearningRateScheduler`` (the rate they set
  is logged as ``learning_rate``); :mod:`~glassnet.callbacks.csv_logger` — ``CSVLogger``;
- :mod:`~glassnet.callbacks.lambda_callback` — ``LambdaCallback``; :mod:`~glassnet.callbacks.progress` — the
  progress lines of ``verbose``.
"""

from .base import Callback, CallbackList, Logs
from .checkpoints import BackupAndRestore, ModelCheckpoint
from .csv_logger import CSVLogger
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .progress import ProgbarLogger, format_logs, print_evaluation
from .stopping import EarlyStopping, TerminateOnNaN

__all__ = ["Callback", "CallbackList", "Logs", "History", "EarlyStopping", "TerminateOnNaN", "LambdaCallback",
           "ProgbarLogger", "format_logs", "print_evaluation", "ModelCheckpoint", "BackupAndRestore",
           "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger"]
