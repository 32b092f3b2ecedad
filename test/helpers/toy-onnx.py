# Writes a tiny CTC "tdnn" model for sherpa-onnx (speech-models.md §3.3): x [N,T,23] -> MatMul -> Add ->
# LogSoftmax -> log_probs [N,T,4]. Token 1 (YES) wins while the mean log-mel energy is above a threshold,
# blank otherwise, so speech gives YES and silence gives nothing. Usage: python3 toy-onnx.py OUT_DIR
import sys
import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_save import save

out = sys.argv[1]
dim, vocab = 23, 4
THRESHOLD = -4.0
w = np.zeros((dim, vocab), dtype=np.float32)
w[:, 1] = 1.0 / dim          # YES logit = mean log-mel
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else THRESHOLD
b = np.array([0.0, -threshold, -100.0, -100.0], dtype=np.float32)  # YES needs mean log-mel > threshold
graph = helper.make_graph(
    [
        helper.make_node('MatMul', ['x', 'w'], ['xw']),
        helper.make_node('Add', ['xw', 'b'], ['logits']),
        helper.make_node('LogSoftmax', ['logits'], ['log_probs'], axis=-1),
    ],
    'toy',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 'T', dim])],
    [helper.make_tensor_value_info('log_probs', TensorProto.FLOAT, ['N', 'T', vocab])],
    [numpy_helper.from_array(w, 'w'), numpy_helper.from_array(b, 'b')],
)
save(graph, f'{out}/model.onnx', {'vocab_size': vocab})
with open(f'{out}/tokens.txt', 'w') as f:
    f.write('<blk> 0\nYES 1\nNO 2\nMAYBE 3\n')
