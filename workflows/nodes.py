"""A parallel split that opens one task per item (the free edition's Split opens one).

The expert panel needs one review task per drawn expert, and the panel size is a
setting: ``PanelSplit().Next(node, data_source=callable)`` creates a task of
``node`` for every dict the callable returns, each in its own branch, so the
following ``Join`` waits for all of them.
"""

from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow.nodes import Split
from viewflow.workflow.nodes.split import SplitActivation


class PanelSplitActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        for node, cond, data_source in self.flow_task._branches:
            if cond and not cond(self):
                continue
            if data_source is None:
                self.next_tasks.append((node, None))
            else:
                self.next_tasks.extend((node, data) for data in data_source(self))
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class PanelSplit(Split):
    # the flow-level Split (with its detail/undo/revive views), not the bare node: task
    # lists and case pages link every task to its detail page (a 500 otherwise)
    activation_class = PanelSplitActivation

    def Next(self, node, case=None, data_source=None):  # noqa: N802 - viewflow's API style
        self._activate_next.append((node, case, data_source))
        return self
