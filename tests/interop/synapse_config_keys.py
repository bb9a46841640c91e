# synapse_config_keys.py: print every top-level homeserver.yaml key the installed Synapse reads.
# Walks synapse/config/*.py: config.get("k"), config["k"], "k" in config, f(config, "k", ...).
# Run with the Synapse venv's python; the e2e suite checks matrixd knows each key by name.
import ast
import glob
import os

import synapse.config

keys = set()
for path in glob.glob(os.path.join(os.path.dirname(synapse.config.__file__), "*.py")):
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        def is_config(n):
            return isinstance(n, ast.Name) and n.id == "config"

        def text(n):
            return n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else None

        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Attribute) and is_config(fn.value) and fn.attr in ("get", "pop", "setdefault") and node.args:
                keys.add(text(node.args[0]))
            if len(node.args) >= 2 and is_config(node.args[0]):
                keys.add(text(node.args[1]))
        elif isinstance(node, ast.Subscript) and is_config(node.value):
            keys.add(text(node.slice))
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1 and is_config(node.comparators[0]):
            keys.add(text(node.left))

for k in sorted(k.split(".")[0] for k in keys if k):
    print(k)
