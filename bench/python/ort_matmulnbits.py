"""ONNX Runtime's own weight-only quantizer (MatMulNBitsQuantizer) on one model: the baseline that
`bench/run rtn-speed` times and that `bench/run llm` scores beside the engine's rows.

    python ort_matmulnbits.py INPUT.onnx OUTPUT.onnx [--block-size 32] [--symmetric] [--bits 4] [--algo rtn|hqq]
    python ort_matmulnbits.py --versions

Run as a whole process (interpreter start, imports, quantization, save) so that it compares with one
`modelpress compress` process. `--versions` prints the onnxruntime and onnx versions as one line of JSON
(the bench records them) and exits 3 when a module is missing. Bench only: the product does not depend
on Python.
"""
import argparse
import json
import sys


def versions():
    try:
        import onnx
        import onnxruntime
    except ImportError as e:
        print(json.dumps({"error": str(e)}))
        sys.exit(3)
    found = {"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__, "python": sys.version.split()[0]}
    try:
        import torch  # HQQ runs on torch
        found["torch"] = torch.__version__
    except ImportError:
        pass
    print(json.dumps(found))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input", nargs="?")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--symmetric", action="store_true")
    parser.add_argument("--bits", type=int, default=4)
    parser.add_argument("--algo", choices=["rtn", "hqq"], default="rtn")
    parser.add_argument("--versions", action="store_true")
    args = parser.parse_args()
    if args.versions:
        versions()
        return
    if args.input is None or args.output is None:
        parser.error("INPUT.onnx and OUTPUT.onnx are required")

    import onnx
    from onnxruntime.quantization import matmul_nbits_quantizer as nbits

    model = onnx.load(args.input)
    if args.algo == "hqq":
        config = nbits.HQQWeightOnlyQuantConfig(block_size=args.block_size, bits=args.bits)
    else:
        config = nbits.DefaultWeightOnlyQuantConfig(block_size=args.block_size, is_symmetric=args.symmetric,
                                                    bits=args.bits)
    quantizer = nbits.MatMulNBitsQuantizer(model, bits=args.bits, block_size=args.block_size,
                                           is_symmetric=args.symmetric, algo_config=config)
    quantizer.process()
    quantizer.model.save_model_to_file(args.output, use_external_data_format=False)


if __name__ == "__main__":
    main()
