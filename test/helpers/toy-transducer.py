# Writes a tiny streaming zipformer transducer for sherpa-onnx's OnlineRecognizer and KeywordSpotter: encoder,
# decoder and joiner ONNX graphs, tokens.txt and a sentencepiece bpe.model, laid out like the bilingual zh-en
# release (CJK characters plus upper-case BPE pieces). Deterministic, and not a recogniser:
#   encoder  x [N,39,80] fbank -> every 4th of the first 32 frames -> mean log-mel -> "speech" gate g in 0..1
#            -> encoder_out [N,8,V] = w_sil + g * (w_speech - w_sil); the 7 zipformer caches pass through.
#   decoder  last token of y [N,2] -> a row of next-token preferences (a bigram table) [N,V]
#   joiner   encoder_out + decoder_out -> logits [N,V]
# While the gate is open each frame emits the next token of a word (大家 is preferred by 0.5 over 人工 and by 0.8
# over ▁PER SON), then blank until the speech stops; the first silent frame after a word emits the separator ▁.
# So speech decodes as 大家 per burst, and hotwords or keywords boosting 人工 or PERSON change that.
# Usage: python3 toy-transducer.py OUT_DIR [MEAN_LOG_MEL_THRESHOLD]
import struct
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_save import save

out = sys.argv[1]
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else -8.0
TOKENS = ['<blk>', '<sos/eos>', '<unk>', '▁', '人', '工', '大', '家', '▁PER', 'SON', '▁A', 'GENT',
          'P', 'E', 'R', 'S', 'O', 'N', 'A', 'G', 'T']
V = len(TOKENS)
ID = {t: i for i, t in enumerate(TOKENS)}
DIM, T, CHUNK = 80, 39, 32
ENC_DIM, ATT_DIM, LAYERS, KERNEL, LEFT = 4, 4, 1, 3, 4


# Encoder: the zipformer (v1) streaming interface sherpa expects, with one tiny stack of caches.
w_sil = np.full(V, -10.0, np.float32)
w_sil[ID['<blk>']] = 10.0
w_sil[ID['▁']] = 0.0
w_speech = np.zeros(V, np.float32)
w_speech[ID['▁']] = -30.0
caches = [
    ('cached_len', TensorProto.INT64, [LAYERS, 'N']),
    ('cached_avg', TensorProto.FLOAT, [LAYERS, 'N', ENC_DIM]),
    ('cached_key', TensorProto.FLOAT, [LAYERS, LEFT, 'N', ATT_DIM]),
    ('cached_val', TensorProto.FLOAT, [LAYERS, LEFT, 'N', ATT_DIM // 2]),
    ('cached_val2', TensorProto.FLOAT, [LAYERS, LEFT, 'N', ATT_DIM // 2]),
    ('cached_conv1', TensorProto.FLOAT, [LAYERS, 'N', ENC_DIM, KERNEL - 1]),
    ('cached_conv2', TensorProto.FLOAT, [LAYERS, 'N', ENC_DIM, KERNEL - 1]),
]
encoder = helper.make_graph(
    [
        helper.make_node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['frames']),
        helper.make_node('ReduceMean', ['frames'], ['mean'], axes=[2], keepdims=1),
        helper.make_node('Sub', ['mean', 'threshold'], ['above']),
        helper.make_node('Mul', ['above', 'gain'], ['scaled']),
        helper.make_node('Sigmoid', ['scaled'], ['gate']),
        helper.make_node('Mul', ['gate', 'w_delta'], ['gated']),
        helper.make_node('Add', ['gated', 'w_sil'], ['encoder_out']),
    ]
    + [helper.make_node('Identity', [f'{name}_0'], [f'new_{name}_0']) for name, _, _ in caches],
    'encoder',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', T, DIM])]
    + [helper.make_tensor_value_info(f'{name}_0', kind, shape) for name, kind, shape in caches],
    [helper.make_tensor_value_info('encoder_out', TensorProto.FLOAT, ['N', CHUNK // 4, V])]
    + [helper.make_tensor_value_info(f'new_{name}_0', kind, shape) for name, kind, shape in caches],
    [
        numpy_helper.from_array(np.array([0], np.int64), 'starts'),
        numpy_helper.from_array(np.array([CHUNK], np.int64), 'ends'),
        numpy_helper.from_array(np.array([1], np.int64), 'axes'),
        numpy_helper.from_array(np.array([4], np.int64), 'steps'),
        numpy_helper.from_array(np.array(threshold, np.float32), 'threshold'),
        numpy_helper.from_array(np.array(20.0, np.float32), 'gain'),
        numpy_helper.from_array(w_speech - w_sil, 'w_delta'),
        numpy_helper.from_array(w_sil, 'w_sil'),
    ],
)
save(encoder, f'{out}/encoder.onnx', dict(model_type='zipformer', encoder_dims=ENC_DIM, attention_dims=ATT_DIM,
     num_encoder_layers=LAYERS, cnn_module_kernels=KERNEL, left_context_len=LEFT, T=T, decode_chunk_len=CHUNK))

# Decoder: what follows the last token.
table = np.full((V, V), -10.0, np.float32)
table[:, ID['▁']] = -20.0
for start in ['<blk>', '<sos/eos>', '<unk>', '▁']:
    row = table[ID[start]]
    row[ID['<blk>']] = -5.0
    row[ID['大']], row[ID['人']], row[ID['▁PER']] = 3.0, 2.5, 2.2
for first, second in [('人', '工'), ('大', '家'), ('▁PER', 'SON')]:
    row = table[ID[first]]
    row[ID['<blk>']] = -5.0
    row[ID[second]] = 3.0
for end in ['工', '家', 'SON']:
    row = table[ID[end]]
    row[ID['<blk>']] = 0.0
    row[ID['▁']] = 15.0
decoder = helper.make_graph(
    [
        helper.make_node('Gather', ['y', 'last'], ['previous'], axis=1),
        helper.make_node('Gather', ['table', 'previous'], ['decoder_out'], axis=0),
    ],
    'decoder',
    [helper.make_tensor_value_info('y', TensorProto.INT64, ['N', 2])],
    [helper.make_tensor_value_info('decoder_out', TensorProto.FLOAT, ['N', V])],
    [numpy_helper.from_array(np.array(1, np.int64), 'last'), numpy_helper.from_array(table, 'table')],
)
save(decoder, f'{out}/decoder.onnx', dict(vocab_size=V, context_size=2))

joiner = helper.make_graph(
    [helper.make_node('Add', ['encoder_out', 'decoder_out'], ['logit'])],
    'joiner',
    [
        helper.make_tensor_value_info('encoder_out', TensorProto.FLOAT, ['N', V]),
        helper.make_tensor_value_info('decoder_out', TensorProto.FLOAT, ['N', V]),
    ],
    [helper.make_tensor_value_info('logit', TensorProto.FLOAT, ['N', V])],
)
save(joiner, f'{out}/joiner.onnx', {})

with open(f'{out}/tokens.txt', 'w') as f:
    for i, token in enumerate(TOKENS):
        f.write(f'{token} {i}\n')


# bpe.model: a sentencepiece ModelProto (field 1: pieces {1: piece, 2: score, 3: type}; type 1 = normal,
# 2 = unknown, 3 = control), written by hand so no sentencepiece package is needed.
def varint(n):
    out = b''
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, wire, payload):
    key = varint((number << 3) | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)


SCORES = {'▁': -2.0, '▁PER': -3.0, 'SON': -4.0, '▁A': -3.0, 'GENT': -4.0}
proto = b''
for token in TOKENS:
    kind = 2 if token == '<unk>' else 3 if token.startswith('<') else 1
    score = 0.0 if kind != 1 else SCORES.get(token, -9.0)
    piece = field(1, 2, token.encode()) + field(2, 5, struct.pack('<f', score)) + field(3, 0, varint(kind))
    proto += field(1, 2, piece)
proto += field(2, 2, field(3, 0, varint(1)))  # trainer_spec.model_type = UNIGRAM
with open(f'{out}/bpe.model', 'wb') as f:
    f.write(proto)
