"""Everything between a learner's notebook and a grade: build, release, grade, feedback, export."""

import sys

# jsonschema (which nbformat and nbgrader validate notebooks with) imports rfc3987_syntax
# when it is installed, only to check the "iri" string format, which no notebook schema
# uses; building that package's grammar takes a second or more at every `triad` command's
# start.  Without it jsonschema simply leaves that format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
