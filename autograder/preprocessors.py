"""nbgrader preprocessors of the course's own."""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


class RedactHiddenTests(NbGraderPreprocessor):
    """Make feedback safe to hand back: no hidden test code, no answer key.

    Autograding puts the hidden tests back into every test cell, so a plain
    feedback page would show them.  This removes the hidden regions again and,
    in test cells, cuts error tracebacks (which quote the code that failed)
    down to their one-line message.  What stays is what the learner may see:
    the visible tests, the score and the printed explanations of their own
    mistakes.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        ClearHiddenTests()._remove_hidden_test_region(cell)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
