"""The parts of nanolambda's Python runtime program (lambda_runtime.py): its settings, the
handler it loads, the Lambda context, payload encodings, error documents, output and the loop
that takes work from the core and answers it."""
