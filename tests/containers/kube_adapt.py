#!/usr/bin/env python3
"""Adapts a Kubernetes manifest of docker/k8s/ for `podman kube play` (podman 4.3) in the
container tests. It changes only what a real cluster would supply differently:

  image names        --image FROM=TO (the test's locally built images)
  Secrets            applied the way the API server stores them, as podman secrets: podman 4.3
                     writes a secret's `data` values to the volume without base64-decoding them and
                     ignores `stringData`, so the file holds the raw value under `data`
  Deployments        each replica becomes a Pod (--pods NAME:HOSTPORT,...): podman 4.3 plays one pod
                     per Deployment and restarts its init containers under the Deployment's
                     restartPolicy Always; a Pod with restartPolicy OnFailure runs them once, as the
                     kubelet does. Each pod gets its own host ports and secret volume names, since
                     podman publishes containerPort on the host and shares named volumes.
  probes             taken out of the pods: podman runs an httpGet probe as curl through a shell
                     inside the container (containers/podman#18318), which a shell-less image does
                     not have; the test runs every probe itself, as the kubelet would (exec: in the
                     container; httpGet: from outside, on the port's host port).
Jobs are played as their pod template, likewise.

Writes OUTDIR/secret-NAME.yaml, OUTDIR/pod-NAME.yaml, OUTDIR/probes.tsv (probe, container,
timeoutSeconds, then "exec" and the command words, or "httpGet", the path and the port's name,
joined by \\x1f) and OUTDIR/ports.tsv (pod, port name, host port), and prints nothing.
usage: kube_adapt.py MANIFEST OUTDIR --image FROM=TO... --pods NAME:HOSTPORT[/HOSTPORT...],...
       (a pod's host ports go to its containers' ports in the manifest's order)
"""
import argparse
import copy
import os

import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("outdir")
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--pods", required=True)
    args = ap.parse_args()
    images = dict(i.split("=", 1) for i in args.image)
    pods = [p.split(":") for p in args.pods.split(",")]

    docs = [d for d in yaml.safe_load_all(open(args.manifest)) if d]
    probes = []
    ports = []
    for doc in docs:
        kind = doc["kind"]
        if kind == "Secret":
            data = dict(doc.get("stringData", {}))
            secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": doc["metadata"]["name"]}, "data": data}
            with open(os.path.join(args.outdir, f"secret-{doc['metadata']['name']}.yaml"), "w") as f:
                yaml.safe_dump(secret, f)
            continue
        if kind not in ("Deployment", "Job"):
            raise SystemExit(f"kube_adapt.py: {kind} is not handled")
        template = doc["spec"]["template"]
        for name, host_port in pods:
            spec = copy.deepcopy(template["spec"])
            if kind == "Deployment":
                spec["restartPolicy"] = "OnFailure"
            renamed = {}
            for v in spec.get("volumes", []):
                if "secret" in v:
                    renamed[v["name"]] = f"{v['name']}-{name}"
                    v["name"] = renamed[v["name"]]
            host_ports = [int(x) for x in host_port.split("/")]
            for c in spec.get("initContainers", []) + spec["containers"]:
                c["image"] = images.get(c["image"], c["image"])
                for m in c.get("volumeMounts", []):
                    m["name"] = renamed.get(m["name"], m["name"])
                for p in c.get("ports", []):
                    if not host_ports:
                        raise SystemExit(f"kube_adapt.py: pod {name} needs a host port for {p.get('name')}")
                    p["hostPort"] = host_ports.pop(0)
                    ports.append((name, p.get("name", str(p["containerPort"])), p["hostPort"]))
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    c.pop(probe, None)
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "labels": template["metadata"].get("labels", {})}, "spec": spec}
            with open(os.path.join(args.outdir, f"pod-{name}.yaml"), "w") as f:
                yaml.safe_dump(pod, f)
        for c in template["spec"]["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe not in c:
                    continue
                p = c[probe]
                if "exec" in p:
                    words = ["exec"] + p["exec"]["command"]
                else:
                    words = ["httpGet", p["httpGet"]["path"], str(p["httpGet"]["port"])]
                probes.append((probe, c["name"], p.get("timeoutSeconds", 1), words))
    with open(os.path.join(args.outdir, "probes.tsv"), "w") as f:
        for probe, container, timeout, words in probes:
            f.write(f"{probe}\t{container}\t{timeout}\t" + "\x1f".join(words) + "\n")
    with open(os.path.join(args.outdir, "ports.tsv"), "w") as f:
        for pod, port, host in ports:
            f.write(f"{pod}\t{port}\t{host}\n")


if __name__ == "__main__":
    main()
