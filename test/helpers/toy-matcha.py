# Writes a tiny Matcha voice for sherpa-onnx's OfflineTts: acoustic.onnx, vocoder.onnx, tokens.txt and
# lexicon.txt, with the inputs, outputs and metadata sherpa-onnx reads (sherpa-onnx/csrc/offline-tts-matcha-model.cc,
# offline-tts-matcha-impl.h, vocoder.cc, hifigan-vocoder.cc). Deterministic, and not a voice:
#   acoustic  x [1,L] token ids -> pitch table -> each pitch held for 4 frames -> mel [1,80,4L] (pitch in bin 0)
#   vocoder   mel -> bin 0 held for 256 samples per frame -> phase (cumsum) -> 0.5 * sin -> audio [1,N]
# so every token (and every pad sherpa puts between them) sounds for 1024 samples at 22.05 kHz. Chinese through
# sherpa's jieba front end (jieba=1; sherpa-onnx >= 1.12.15 carries the jieba dictionary itself); the lexicon spells
# a character by the letters of its pinyin. The vocoder says it is a HiFi-GAN (sherpa picks the vocoder by
# model_type). Usage: python3 toy-matcha.py OUT_DIR
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_save import save

out = sys.argv[1]
SAMPLE_RATE = 22050
FRAMES = 4  # mel frames per token
HOP = 256  # samples per mel frame
LETTERS = [chr(c) for c in range(ord('a'), ord('z') + 1)]
TOKENS = ['_', ' '] + LETTERS  # pad (sherpa puts one between tokens), word separator, letters
ID = {t: i for i, t in enumerate(TOKENS)}
CHARACTERS = {'你': 'ni', '好': 'hao', '欢': 'huan', '迎': 'ying', '光': 'guang', '临': 'lin', '谢': 'xie'}

pitch = np.zeros(len(TOKENS), np.float32)
for letter in LETTERS:
    pitch[ID[letter]] = 220.0 + 20.0 * (ID[letter] - 2)


acoustic = helper.make_graph(
    [
        helper.make_node('Gather', ['pitch', 'x'], ['token_hz']),  # [1,L]
        helper.make_node('Unsqueeze', ['token_hz', 'axis2'], ['per_token']),  # [1,L,1]
        helper.make_node('Shape', ['x'], ['x_shape']),
        helper.make_node('Concat', ['x_shape', 'frames'], ['held_shape'], axis=0),
        helper.make_node('Expand', ['per_token', 'held_shape'], ['held']),  # [1,L,F]
        helper.make_node('Reshape', ['held', 'one_row'], ['row']),  # [1,1,L*F]
        helper.make_node('Pad', ['row', 'to_80_bins'], ['mel']),  # [1,80,L*F]
    ],
    'toy_matcha_acoustic',
    [
        helper.make_tensor_value_info('x', TensorProto.INT64, [1, 'L']),
        helper.make_tensor_value_info('x_length', TensorProto.INT64, [1]),
        helper.make_tensor_value_info('noise_scale', TensorProto.FLOAT, [1]),
        helper.make_tensor_value_info('length_scale', TensorProto.FLOAT, [1]),
        helper.make_tensor_value_info('sid', TensorProto.INT64, [1]),
    ],
    [helper.make_tensor_value_info('mel', TensorProto.FLOAT, [1, 80, 'T'])],
    [
        numpy_helper.from_array(pitch, 'pitch'),
        numpy_helper.from_array(np.array([2], np.int64), 'axis2'),
        numpy_helper.from_array(np.array([FRAMES], np.int64), 'frames'),
        numpy_helper.from_array(np.array([1, 1, -1], np.int64), 'one_row'),
        numpy_helper.from_array(np.array([0, 0, 0, 0, 79, 0], np.int64), 'to_80_bins'),
    ],
)
# sample_rate, n_speakers, use_eos_bos and pad_id are required (sherpa exits without them); jieba selects the front end.
save(acoustic, f'{out}/acoustic.onnx',
     {'sample_rate': SAMPLE_RATE, 'n_speakers': 1, 'jieba': 1, 'has_espeak': 0, 'use_eos_bos': 0, 'pad_id': 0})

vocoder = helper.make_graph(
    [
        helper.make_node('Slice', ['mel', 'bin0', 'bin1', 'bins_axis'], ['bin']),  # [1,1,T]
        helper.make_node('Unsqueeze', ['bin', 'axis3'], ['per_frame']),  # [1,1,T,1]
        helper.make_node('Shape', ['bin'], ['bin_shape']),
        helper.make_node('Concat', ['bin_shape', 'hop'], ['held_shape'], axis=0),
        helper.make_node('Expand', ['per_frame', 'held_shape'], ['held']),  # [1,1,T,HOP]
        helper.make_node('Reshape', ['held', 'flat'], ['sample_hz']),  # [1,N]
        helper.make_node('Mul', ['sample_hz', 'radians_per_hz'], ['step']),
        helper.make_node('CumSum', ['step', 'time_axis'], ['phase']),
        helper.make_node('Sin', ['phase'], ['wave']),
        helper.make_node('Mul', ['wave', 'amplitude'], ['audio']),
    ],
    'toy_hifigan',
    [helper.make_tensor_value_info('mel', TensorProto.FLOAT, [1, 80, 'T'])],
    [helper.make_tensor_value_info('audio', TensorProto.FLOAT, [1, 'N'])],
    [
        numpy_helper.from_array(np.array([0], np.int64), 'bin0'),
        numpy_helper.from_array(np.array([1], np.int64), 'bin1'),
        numpy_helper.from_array(np.array([1], np.int64), 'bins_axis'),
        numpy_helper.from_array(np.array([3], np.int64), 'axis3'),
        numpy_helper.from_array(np.array([HOP], np.int64), 'hop'),
        numpy_helper.from_array(np.array([1, -1], np.int64), 'flat'),
        numpy_helper.from_array(np.array(2 * np.pi / SAMPLE_RATE, np.float32), 'radians_per_hz'),
        numpy_helper.from_array(np.array(1, np.int64), 'time_axis'),
        numpy_helper.from_array(np.array(0.5, np.float32), 'amplitude'),
    ],
)
save(vocoder, f'{out}/vocoder.onnx', {'model_type': 'hifigan'})

with open(f'{out}/tokens.txt', 'w') as f:
    for i, token in enumerate(TOKENS):
        f.write(f'{token} {i}\n' if token != ' ' else f' {i}\n')
with open(f'{out}/lexicon.txt', 'w') as f:
    for character, pinyin in CHARACTERS.items():
        f.write(f'{character} {" ".join(pinyin)}\n')
