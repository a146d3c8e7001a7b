"""The reference SHACL engine: pyshacl, SHACL Core only (DESIGN §5; SHACL §3.6).

No inference, no SHACL-AF; the results graph is read back into ShaclResults.
"""

from __future__ import annotations

import rdflib

from api.validation.engine import SH, VIOLATION, DataInput, ShaclResult, data_graph, term_text

_SH = rdflib.Namespace(SH)


def results_from_graph(results: rdflib.Graph) -> list[ShaclResult]:
    """Every sh:ValidationResult of a SHACL results graph."""
    found: list[ShaclResult] = []
    for result in results.subjects(rdflib.RDF.type, _SH.ValidationResult):
        focus = results.value(result, _SH.focusNode)
        path = results.value(result, _SH.resultPath)
        value = results.value(result, _SH.value)
        shape = results.value(result, _SH.sourceShape)
        component = results.value(result, _SH.sourceConstraintComponent)
        severity = results.value(result, _SH.resultSeverity)
        found.append(ShaclResult(
            focus=term_text(focus) if isinstance(focus, rdflib.BNode) else str(focus),
            path=None if path is None else str(path),
            value=None if value is None else term_text(value),
            source_shape=term_text(shape) if isinstance(shape, rdflib.BNode) else str(shape),
            component=str(component),
            severity=str(severity) if severity is not None else VIOLATION,
        ))
    return sorted(found, key=ShaclResult.sort_key)


class PyshaclEngine:
    """pyshacl with inference 'none' and advanced features off."""

    def validate(self, data: DataInput, shapes: rdflib.Graph) -> list[ShaclResult]:
        import pyshacl  # here, not at the top: the columnar engine validates tabular files without it

        _conforms, results, _text = pyshacl.validate(
            data_graph(data),
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
        )
        assert isinstance(results, rdflib.Graph)
        return results_from_graph(results)
