"""ONNX Runtime's own 4-bit weight quantizer on one model, the baseline `bench/run rtn-speed` times.

    python ort_matmulnbits.py INPUT.onnx OUTPUT.onnx [--block-size 32] [--symmetric]

Run as a whole process (interpreter start, imports, quantization, save) so that it compares with one
`modelpress compress` process. Bench only: the product does not depend on Python.
"""
import argparse

import onnx
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--symmetric", action="store_true")
    args = parser.parse_args()
    model = onnx.load(args.input)
    quantizer = MatMulNBitsQuantizer(model, block_size=args.block_size, is_symmetric=args.symmetric)
    quantizer.process()
    quantizer.model.save_model_to_file(args.output, use_external_data_format=False)


if __name__ == "__main__":
    main()
