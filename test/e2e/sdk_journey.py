"""The quick start's journey with the upstream Python SDK (PyPI k8s-agent-sandbox): claim a sandbox from a
Cloister template's warm pool through the Kubernetes API (KUBECONFIG), run code and use files through the
router, close it. Prints one JSON line.

    python sdk_journey.py <router url> <namespace> <warm pool> <router token>
"""
import json
import sys
import time

from k8s_agent_sandbox import SandboxClient
from k8s_agent_sandbox.models import SandboxDirectConnectionConfig

router_url, namespace, warm_pool, token = sys.argv[1:5]
headers = {"Authorization": f"Bearer {token}"} if token else {}
client = SandboxClient(connection_config=SandboxDirectConnectionConfig(api_url=router_url, extra_headers=headers))

started = time.perf_counter()
sandbox = client.create_sandbox(warmpool=warm_pool, namespace=namespace)
created = time.perf_counter() - started
try:
    started = time.perf_counter()
    run = sandbox.commands.run('python3 -c "print(6*7)"')
    ran = time.perf_counter() - started
    sandbox.files.write("hello.txt", "written through the router")
    read_back = sandbox.files.read("hello.txt").decode()
    base_dir = sandbox.commands.run("pwd").stdout.strip()
finally:
    sandbox.terminate()
print(json.dumps({"create_s": created, "run_s": ran, "stdout": run.stdout, "exit_code": run.exit_code, "file": read_back, "base_dir": base_dir}))
