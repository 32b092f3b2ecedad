# One persistent pocketsphinx decoder for the speech worker (pocketsphinx.ts drives it).
#
# Loads the acoustic model and the dictionary once, adds one named search per expectation (a language model or
# a JSGF grammar), prints a `ready` line, then serves turns: each turn picks a search, is fed raw 16 kHz 16-bit
# audio as it arrives, and ends on command with the final hypothesis printed as one JSON line. Switching searches
# between turns costs nothing; the model stays loaded for the life of the worker.
#
# stdin: frames of 1 byte kind + 4 bytes big-endian length + payload
#   b'B' payload = search name (utf-8): begin a turn        b'A' payload = audio: feed it
#   b'E' empty: end the turn, print {"text": …}             (end of input: exit)
# stdout: one JSON object per line: {"ready": true} once, then {"text": "…"} per ended turn.
# Errors go to stderr and exit non-zero, so the worker sees a dead decoder, never a wrong answer.
import json
import struct
import sys

from pocketsphinx import Decoder


def main(args):
    hmm, dictionary = args[0], args[1]
    searches = args[2:]
    config = Decoder.default_config()
    config.set_string('-hmm', hmm)
    config.set_string('-dict', dictionary)
    config.set_string('-logfn', '/dev/null')
    decoder = Decoder(config)
    for spec in searches:
        name, kind, path = spec.split(':', 2)
        try:
            if kind == 'lm':
                decoder.set_lm_file(name, path)
            else:
                decoder.set_jsgf_file(name, path)
        except RuntimeError as e:
            sys.exit('cannot load the %s search (%s %s): %s' % (name, kind, path.rsplit('/', 1)[-1], e))
    out = sys.stdout
    inp = sys.stdin.buffer
    out.write('{"ready": true}\n')
    out.flush()
    in_turn = False
    while True:
        head = inp.read(5)
        if len(head) < 5:
            return
        kind, length = head[:1], struct.unpack('>I', head[1:])[0]
        payload = inp.read(length)
        if len(payload) < length:
            return
        if kind == b'B':
            if in_turn:
                decoder.end_utt()
            decoder.set_search(payload.decode('utf-8'))
            decoder.start_utt()
            in_turn = True
        elif kind == b'A':
            if in_turn:
                decoder.process_raw(payload, False, False)
        elif kind == b'E':
            text = ''
            if in_turn:
                decoder.end_utt()
                in_turn = False
                hyp = decoder.hyp()
                text = hyp.hypstr if hyp is not None else ''
            out.write(json.dumps({'text': text}) + '\n')
            out.flush()
        else:
            raise ValueError('unknown frame kind %r' % kind)


if __name__ == '__main__':
    main(sys.argv[1:])
