# Saving a generated toy ONNX model the way sherpa-onnx reads it (shared by the toy-*.py generators).
import onnx
from onnx import helper


def save(graph, path, meta):
    """Writes `graph` (opset 13, IR 8) with `meta` as string metadata, after onnx's own model check."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(model)
    onnx.save(model, path)
