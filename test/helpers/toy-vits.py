# Writes a tiny VITS voice for sherpa-onnx's OfflineTts: model.onnx, tokens.txt and lexicon.txt, with the inputs,
# output and metadata sherpa-onnx reads from a VITS model (sherpa-onnx/csrc/offline-tts-vits-model.cc,
# offline-tts-vits-impl.h, lexicon.cc). Deterministic, and not a voice: every token of the input sounds as a
# tone of its own pitch for the same time, so the audio's length follows the number of tokens.
#   x [1,L] token ids -> pitch table -> each pitch held for round(length_scale * HOP) samples -> phase (cumsum)
#   -> 0.5 * sin -> y [1,1,L*hop]; the speaker id sid raises every pitch by a quarter per speaker.
# The word separator (the token " ") and the pad are silent. The lexicon spells each word letter by letter (a
# Chinese character by the letters of its pinyin), so a longer text gives longer audio.
# Usage: python3 toy-vits.py OUT_DIR LANGUAGE [OMIT_KEY]
#   LANGUAGE English: sherpa's lexicon front end for space-separated words (like the piper en_US voice)
#   LANGUAGE Chinese: sherpa's lexicon front end that splits CJK characters (and keeps ASCII words; like MeloTTS)
#   OMIT_KEY: leave out this metadata key (a model sherpa refuses by ending the process)
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_save import save

out = sys.argv[1]
language = sys.argv[2]
omit = sys.argv[3] if len(sys.argv) > 3 else None
SAMPLE_RATE = 22050
HOP = 1100  # samples per token at length_scale 1: ~50 ms
LETTERS = [chr(c) for c in range(ord('a'), ord('z') + 1)]
TOKENS = ['_', ' '] + LETTERS  # pad, word separator, letters
ID = {t: i for i, t in enumerate(TOKENS)}
WORDS = ['hello', 'welcome', 'to', 'the', 'bakery', 'we', 'are', 'open', 'today', 'thank', 'you', 'bread',
         'fresh', 'every', 'morning']
CHARACTERS = {'你': 'ni', '好': 'hao', '欢': 'huan', '迎': 'ying', '光': 'guang', '临': 'lin', '谢': 'xie',
              '面': 'mian', '包': 'bao', '今': 'jin', '天': 'tian', '开': 'kai', '门': 'men'}

pitch = np.zeros(len(TOKENS), np.float32)
for letter in LETTERS:
    pitch[ID[letter]] = 220.0 + 20.0 * (ID[letter] - 2)  # a 220 Hz ... z 720 Hz

graph = helper.make_graph(
    [
        helper.make_node('Gather', ['pitch', 'x'], ['token_hz']),  # [1,L]
        helper.make_node('Cast', ['sid'], ['sid_f'], to=TensorProto.FLOAT),
        helper.make_node('Mul', ['sid_f', 'quarter'], ['raise']),
        helper.make_node('Add', ['raise', 'one'], ['factor']),
        helper.make_node('Mul', ['token_hz', 'factor'], ['speaker_hz']),
        helper.make_node('Unsqueeze', ['speaker_hz', 'axis2'], ['per_token']),  # [1,L,1]
        helper.make_node('Mul', ['length_scale', 'hop'], ['hop_f']),
        helper.make_node('Round', ['hop_f'], ['hop_r']),
        helper.make_node('Cast', ['hop_r'], ['hop_i'], to=TensorProto.INT64),
        helper.make_node('Shape', ['x'], ['x_shape']),
        helper.make_node('Concat', ['x_shape', 'hop_i'], ['held_shape'], axis=0),
        helper.make_node('Expand', ['per_token', 'held_shape'], ['held']),  # [1,L,hop]
        helper.make_node('Reshape', ['held', 'flat'], ['sample_hz']),  # [1,L*hop]
        helper.make_node('Mul', ['sample_hz', 'radians_per_hz'], ['step']),
        helper.make_node('CumSum', ['step', 'time_axis'], ['phase']),
        helper.make_node('Sin', ['phase'], ['wave']),
        helper.make_node('Mul', ['wave', 'amplitude'], ['audio']),
        helper.make_node('Unsqueeze', ['audio', 'axis1'], ['y']),  # [1,1,N]
    ],
    'toy_vits',
    [
        helper.make_tensor_value_info('x', TensorProto.INT64, [1, 'L']),
        helper.make_tensor_value_info('x_length', TensorProto.INT64, [1]),
        helper.make_tensor_value_info('noise_scale', TensorProto.FLOAT, [1]),
        helper.make_tensor_value_info('length_scale', TensorProto.FLOAT, [1]),
        helper.make_tensor_value_info('noise_scale_w', TensorProto.FLOAT, [1]),
        helper.make_tensor_value_info('sid', TensorProto.INT64, [1]),
    ],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 1, 'N'])],
    [
        numpy_helper.from_array(pitch, 'pitch'),
        numpy_helper.from_array(np.array([0.25], np.float32), 'quarter'),
        numpy_helper.from_array(np.array([1.0], np.float32), 'one'),
        numpy_helper.from_array(np.array([2], np.int64), 'axis2'),
        numpy_helper.from_array(np.array([HOP], np.float32), 'hop'),
        numpy_helper.from_array(np.array([1, -1], np.int64), 'flat'),
        numpy_helper.from_array(np.array(2 * np.pi / SAMPLE_RATE, np.float32), 'radians_per_hz'),
        numpy_helper.from_array(np.array(1, np.int64), 'time_axis'),
        numpy_helper.from_array(np.array(0.5, np.float32), 'amplitude'),
        numpy_helper.from_array(np.array([1], np.int64), 'axis1'),
    ],
)
# What sherpa reads: sample_rate, n_speakers, language and comment are required (it exits without them); a
# comment naming piper, coqui, icefall or melo would select another input layout, add_blank would interleave pad
# tokens, and no punctuation keeps sentence marks out of the token stream.
meta = {'sample_rate': SAMPLE_RATE, 'n_speakers': 2, 'language': language, 'add_blank': 0,
        'comment': 'linekeeper toy vits'}
save(graph, f'{out}/model.onnx', {key: value for key, value in meta.items() if key != omit})

with open(f'{out}/tokens.txt', 'w') as f:
    for i, token in enumerate(TOKENS):
        # sherpa reads a line holding only an id as the token " ".
        f.write(f'{token} {i}\n' if token != ' ' else f' {i}\n')
with open(f'{out}/lexicon.txt', 'w') as f:
    for word in WORDS:
        f.write(f'{word} {" ".join(word)}\n')
    if language == 'Chinese':
        for character, pinyin in CHARACTERS.items():
            f.write(f'{character} {" ".join(pinyin)}\n')
