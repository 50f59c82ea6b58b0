"""Reference LoRA fine-tuning benchmark: plain PyTorch, PEFT-equivalent LoRA on all-MiniLM-L6-v2.

  bench.py run    --data DIR --name NAME [...]   one training run (own process => own peak RSS) -> runs/NAME.json
  bench.py speed  --name NAME                    short step-time probe on fixed batches (for BLAS comparisons)
  bench.py report                                runs/*.json -> ../results/torch-lora.{json,md}
  bench.py all                                   parity + every configured run (skips finished ones) + report
"""
import argparse
import csv
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from minilm import LoraClassifier, load_encoder  # noqa: E402
from wordpiece import WordPieceTokenizer  # noqa: E402

OUT_DIR = os.environ.get("TORCH_REF_OUT", os.path.expanduser("~/.cache/loradrop-torch-ref"))
RUNS_DIR = os.path.join(OUT_DIR, "runs")
RESULTS_DIR = os.path.join(OUT_DIR, "results")
WORDNET = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "data", "wordnet-supersenses"))

# name, data dir, max_len, lora_dropout, mc passes, extra
CONFIGS = [
    dict(name="wordnet-supersenses_p0.1", data=WORDNET, max_len=64, lora_dropout=0.1, mc_passes=8),
    dict(name="wordnet-supersenses_p0", data=WORDNET, max_len=64, lora_dropout=0.0, mc_passes=0),
]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class CpuMonitor:
    """How much CPU *other* processes took while we ran (the 2 cores may be shared with other jobs).

    other_cores = (machine busy CPU time - this process's CPU time) / wall time, from /proc/stat and os.times()."""

    @staticmethod
    def _busy():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]  # idle + iowait
        return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def __init__(self):
        self.t, self.b = time.perf_counter(), self._busy()
        t = os.times()
        self.own = t.user + t.system

    def stop(self):
        wall = time.perf_counter() - self.t
        t = os.times()
        own = t.user + t.system - self.own
        busy = self._busy() - self.b
        return {"wall_s": wall, "own_cpu_s": own, "own_cores": own / wall,
                "other_processes_cores": max(0.0, (busy - own) / wall), "loadavg_end": os.getloadavg()[0]}


def wait_for_quiet(max_wait_s, threshold=0.15, window_s=10):
    """Block until other processes use < threshold cores over a window (or max_wait_s passes)."""
    t0 = time.perf_counter()
    while True:
        m = CpuMonitor()
        time.sleep(window_s)
        other = m.stop()["other_processes_cores"]
        if other < threshold:
            return {"waited_s": time.perf_counter() - t0, "other_cores_at_start": other, "quiet": True}
        if time.perf_counter() - t0 > max_wait_s:
            return {"waited_s": time.perf_counter() - t0, "other_cores_at_start": other, "quiet": False}
        print(f"waiting for a quiet machine (other processes use {other:.2f} cores)", flush=True)


def read_split(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def collate(seqs, idx):
    L = max(len(seqs[i]) for i in idx)
    ids = torch.zeros(len(idx), L, dtype=torch.long)
    mask = torch.zeros(len(idx), L, dtype=torch.long)
    for j, i in enumerate(idx):
        s = seqs[i]
        ids[j, :len(s)] = torch.tensor(s)
        mask[j, :len(s)] = 1
    return ids, mask


# ---------------------------------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------------------------------
def metrics(logp, y, n_bins=15):
    """logp: [N, C] float64 log-probabilities; y: [N] int labels."""
    logp = np.asarray(logp, dtype=np.float64)
    y = np.asarray(y)
    p = np.exp(logp)
    n, c = p.shape
    pred = p.argmax(1)
    acc = float((pred == y).mean())
    f1s = []
    for k in sorted(set(y.tolist()) | set(pred.tolist())):  # sklearn's default label set
        tp = int(((pred == k) & (y == k)).sum())
        fp = int(((pred == k) & (y != k)).sum())
        fn = int(((pred != k) & (y == k)).sum())
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    conf = p.max(1)
    correct = (pred == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inb = (conf > lo) & (conf <= hi)
        if inb.any():
            ece += inb.mean() * abs(correct[inb].mean() - conf[inb].mean())
    onehot = np.zeros_like(p)
    onehot[np.arange(n), y] = 1.0
    brier = float(((p - onehot) ** 2).sum(1).mean())
    nll = float(-logp[np.arange(n), y].mean())
    return {"accuracy": acc, "macro_f1": float(np.mean(f1s)), "ece": float(ece), "brier": brier, "nll": nll,
            "n": int(n)}


def predict_logp(model, seqs, bs, mc=False):
    """Log-probabilities in input order; batches of `bs` with dynamic padding. mc=True keeps LoRA dropout on."""
    model.eval()
    model.set_lora_dropout_active(mc)
    out, tokens_padded, tokens_real = [], 0, 0
    with torch.inference_mode():
        for i in range(0, len(seqs), bs):
            idx = list(range(i, min(i + bs, len(seqs))))
            ids, mask = collate(seqs, idx)
            out.append(torch.log_softmax(model(ids, mask).double(), dim=-1))
            tokens_padded += ids.numel()
            tokens_real += int(mask.sum())
    model.set_lora_dropout_active(False)
    return torch.cat(out).numpy(), tokens_padded, tokens_real


# ---------------------------------------------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------------------------------------------
def cmd_run(a):
    quiet = wait_for_quiet(a.wait_quiet) if a.wait_quiet else None
    t_start = time.perf_counter()
    torch.set_num_threads(a.threads)
    res = {"name": a.name, "data": a.data, "config": {
        "model": "all-MiniLM-L6-v2 (langchain4j 1.20.0-beta30 ONNX weights), plain torch BERT",
        "lora": {"r": a.r, "alpha": a.alpha, "scaling": a.alpha / a.r, "dropout": a.lora_dropout,
                 "targets": ["query", "value"], "init": "A kaiming_uniform(a=sqrt5), B zeros"},
        "head": "mean pooling over real tokens -> Linear(384, C)", "base_dropout": a.base_dropout,
        "optimizer": {"name": "torch.optim.AdamW", "lr": a.lr, "betas": [0.9, 0.999], "eps": 1e-8,
                      "weight_decay": a.weight_decay, "weight_decay_on": "all trainable params (incl. head bias)"},
        "schedule": "linear warmup (ceil(6% of steps), step k at (k+1)/warmup) then linear decay to 0, stepped per batch (HF get_linear_schedule_with_warmup)",
        "batch_size": a.batch_size, "epochs": a.epochs, "seed": a.seed, "max_len": a.max_len,
        "padding": "dynamic (longest in batch)", "eval_batch_size": a.eval_batch_size, "threads": a.threads,
        "grad_clip": None, "mc_passes": a.mc_passes}}

    t0 = time.perf_counter()
    enc, tok_path = load_encoder(a.model_dir, a.cache_dir, base_dropout=a.base_dropout)
    tok = WordPieceTokenizer(tok_path)
    res["model_load_s"] = time.perf_counter() - t0
    res["rss_after_load_mb"] = rss_mb()

    t0 = time.perf_counter()
    splits = {s: read_split(os.path.join(a.data, f"{s}.csv")) for s in ("train", "dev", "test")}
    classes = sorted(set(splits["train"][1]))
    cidx = {c: i for i, c in enumerate(classes)}
    data = {}
    for s, (texts, labels) in splits.items():
        if s == "train" and a.limit_train:
            texts, labels = texts[:a.limit_train], labels[:a.limit_train]
        if s != "train" and a.limit_eval:
            texts, labels = texts[:a.limit_eval], labels[:a.limit_eval]
        data[s] = ([tok.encode(t, max_length=a.max_len) for t in texts], np.array([cidx[l] for l in labels]))
    res["tokenize_s"] = time.perf_counter() - t0
    res["classes"] = classes
    res["sizes"] = {s: len(v[1]) for s, v in data.items()}
    res["truncated_fraction"] = {s: float(np.mean([len(x) == a.max_len for x in v[0]])) for s, v in data.items()}
    res["mean_tokens"] = {s: float(np.mean([len(x) for x in v[0]])) for s, v in data.items()}

    torch.manual_seed(a.seed)
    model = LoraClassifier(enc, len(classes), r=a.r, alpha=a.alpha, lora_dropout=a.lora_dropout)
    params = [p for p in model.parameters() if p.requires_grad]
    res["trainable_params"] = sum(p.numel() for p in params)
    res["total_params"] = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=a.weight_decay)
    tr_seqs, tr_y = data["train"]
    n = len(tr_seqs)
    steps_per_epoch = math.ceil(n / a.batch_size)
    total_steps = steps_per_epoch * a.epochs
    warmup = math.ceil(a.warmup_ratio * total_steps)

    def lr_lambda(step):
        if step < warmup:  # as LoRA-Drop's LrSchedule: no step at rate 0 (HF's linear warm-up starts at 0)
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    res["steps"] = {"per_epoch": steps_per_epoch, "total": total_steps, "warmup": warmup}
    gen = torch.Generator().manual_seed(a.seed)
    y_all = torch.tensor(tr_y, dtype=torch.long)

    epochs, best, best_state = [], None, None
    train_s = 0.0
    train_cpu = []
    tok_pad = tok_real = ex = 0
    for ep in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen).tolist()
        mon = CpuMonitor()
        t_ep = time.perf_counter()
        loss_sum, nb = 0.0, 0
        for i in range(0, n, a.batch_size):
            idx = perm[i:i + a.batch_size]
            ids, mask = collate(tr_seqs, idx)
            logits = model(ids, mask)
            loss = F.cross_entropy(logits, y_all[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss)
            nb += 1
            tok_pad += ids.numel()
            tok_real += int(mask.sum())
            ex += len(idx)
            if a.log_every and nb % a.log_every == 0:
                el = time.perf_counter() - t_ep
                print(f"[{a.name}] ep{ep} step {nb}/{steps_per_epoch} loss {loss_sum / nb:.4f} "
                      f"{nb * a.batch_size / el:.1f} ex/s", flush=True)
        ep_s = time.perf_counter() - t_ep
        train_cpu.append(mon.stop())
        train_s += ep_s
        t_dev = time.perf_counter()
        dlogp, _, _ = predict_logp(model, data["dev"][0], a.eval_batch_size)
        dm = metrics(dlogp, data["dev"][1])
        rec = {"epoch": ep, "train_loss": loss_sum / nb, "train_s": ep_s, "dev_eval_s": time.perf_counter() - t_dev,
               "cpu": train_cpu[-1],
               "lr_end": opt.param_groups[0]["lr"], "dev": dm}
        epochs.append(rec)
        print(f"[{a.name}] epoch {ep}: loss {rec['train_loss']:.4f} train {ep_s:.1f}s dev acc {dm['accuracy']:.4f} "
              f"f1 {dm['macro_f1']:.4f} nll {dm['nll']:.4f} | rss {rss_mb():.0f} MB", flush=True)
        key = (dm["accuracy"], -dm["nll"])
        if best is None or key > best[0]:
            best = (key, ep)
            best_state = model.trainable_state()
    res["epochs"] = epochs
    res["dev_best_epoch"] = best[1]
    res["train"] = {"wall_s": train_s, "examples": ex, "examples_per_s": ex / train_s,
                    "tokens_padded": tok_pad, "tokens_padded_per_s": tok_pad / train_s,
                    "tokens_real": tok_real, "tokens_real_per_s": tok_real / train_s,
                    "other_processes_cores": sum(c["other_processes_cores"] * c["wall_s"] for c in train_cpu) / train_s,
                    "own_cores": sum(c["own_cores"] * c["wall_s"] for c in train_cpu) / train_s,
                    "note": "wall time of the optimisation steps only (batching+fwd+bwd+AdamW+schedule); "
                            "per-epoch dev evaluation excluded"}
    res["rss_after_train_mb"] = rss_mb()

    # ---- test: final model (the reported result), timed = inference throughput ----------------------------
    te_seqs, te_y = data["test"]
    mon = CpuMonitor()
    t0 = time.perf_counter()
    logp, tp, tr = predict_logp(model, te_seqs, a.eval_batch_size)
    inf_s = time.perf_counter() - t0
    inf_cpu = mon.stop()
    res["test"] = metrics(logp, te_y)
    res["inference"] = {"wall_s": inf_s, "examples": len(te_seqs), "examples_per_s": len(te_seqs) / inf_s,
                        "tokens_padded_per_s": tp / inf_s, "tokens_real_per_s": tr / inf_s,
                        "batch_size": a.eval_batch_size, "other_processes_cores": inf_cpu["other_processes_cores"],
                        "own_cores": inf_cpu["own_cores"],
                        "note": "test set in file order, dynamic padding, torch.inference_mode, incl. collation"}
    print(f"[{a.name}] TEST final: {res['test']} | {res['inference']['examples_per_s']:.1f} ex/s", flush=True)

    # ---- MC-dropout test-time ensemble (LoRA dropout active, average softmax over passes) --------------------
    if a.mc_passes and a.lora_dropout > 0:
        torch.manual_seed(a.seed + 12345)
        mon = CpuMonitor()
        t0 = time.perf_counter()
        passes = [predict_logp(model, te_seqs, a.eval_batch_size, mc=True)[0] for _ in range(a.mc_passes)]
        mc_s = time.perf_counter() - t0
        mc_cpu = mon.stop()
        stack = np.stack(passes)
        ens = np.logaddexp.reduce(stack, axis=0) - math.log(a.mc_passes)
        res["test_mc"] = metrics(ens, te_y)
        res["test_mc"]["passes"] = a.mc_passes
        res["test_mc"]["single_pass_mean_accuracy"] = float(np.mean([metrics(s, te_y)["accuracy"] for s in passes]))
        res["test_mc"]["single_pass_mean_nll"] = float(np.mean([metrics(s, te_y)["nll"] for s in passes]))
        preds = stack.argmax(2)  # [passes, N]
        res["test_mc"]["diversity"] = {
            "frac_examples_passes_disagree": float((preds != preds[0]).any(0).mean()),
            "frac_examples_ensemble_vs_deterministic_pred_differ": float((ens.argmax(1) != logp.argmax(1)).mean()),
            "mean_total_variation_pass_vs_ensemble": float(
                (0.5 * np.abs(np.exp(stack) - np.exp(ens)[None]).sum(2)).mean()),
            "mean_total_variation_ensemble_vs_deterministic": float(
                (0.5 * np.abs(np.exp(ens) - np.exp(logp)).sum(1)).mean())}
        res["test_mc"]["wall_s"] = mc_s
        res["test_mc"]["examples_per_s"] = len(te_seqs) / mc_s
        res["test_mc"]["other_processes_cores"] = mc_cpu["other_processes_cores"]
        print(f"[{a.name}] TEST MC{a.mc_passes}: {res['test_mc']}", flush=True)

    # ---- dev-best epoch (selected on dev only), if different from the final epoch -----------------------------
    if best[1] != a.epochs:
        final_state = model.trainable_state()
        model.load_state_dict(best_state, strict=False)
        logp_b, _, _ = predict_logp(model, te_seqs, a.eval_batch_size)
        res["test_dev_best_epoch"] = metrics(logp_b, te_y)
        res["test_dev_best_epoch"]["epoch"] = best[1]
        model.load_state_dict(final_state, strict=False)
    else:
        res["test_dev_best_epoch"] = dict(res["test"], epoch=best[1])

    res["peak_rss_mb"] = rss_mb()
    res["total_wall_s"] = time.perf_counter() - t_start
    res["quiet_wait"] = quiet
    res["env"] = env_info(a.threads)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"[{a.name}] done in {res['total_wall_s']:.0f}s, peak RSS {res['peak_rss_mb']:.0f} MB -> {a.out}", flush=True)


def sgemm_provider():
    """Path of the library whose sgemm_ libtorch_cpu actually binds to (dlsym in libtorch_cpu's load order)."""
    import ctypes
    maps = []
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()
            if len(p) >= 6:
                lo, hi = (int(x, 16) for x in p[0].split("-"))
                maps.append((lo, hi, p[5]))
    try:
        tc = next(m[2] for m in maps if "libtorch_cpu.so" in m[2])
        addr = ctypes.cast(ctypes.CDLL(tc).sgemm_, ctypes.c_void_p).value
        return next(os.path.realpath(m[2]) for m in maps if m[0] <= addr < m[1])
    except (StopIteration, AttributeError, OSError):
        return "unknown"


def env_info(threads):
    lib_path = sgemm_provider()
    if "openblas" in lib_path:
        import ctypes
        lib = ctypes.CDLL(os.path.join(os.path.dirname(lib_path), "libopenblas.so.0"))
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        blas = (f"{lib.openblas_get_config().decode()} core={lib.openblas_get_corename().decode()} "
                f"threads={lib.openblas_get_num_threads()} (sgemm_ from {lib_path})")
    else:
        blas = f"netlib reference BLAS (sgemm_ from {lib_path})" if "/blas/" in lib_path else f"sgemm_ from {lib_path}"
    cpu = ""
    try:
        cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    except Exception:
        pass
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
            "torch_threads": torch.get_num_threads(), "requested_threads": threads, "blas": blas, "cpu": cpu,
            "nproc": os.cpu_count(), "platform": platform.platform()}


# ---------------------------------------------------------------------------------------------------------------
# speed probe: fixed real batches, a few steps; used to compare BLAS back-ends
# ---------------------------------------------------------------------------------------------------------------
def cmd_speed(a):
    torch.set_num_threads(a.threads)
    enc, tok_path = load_encoder(a.model_dir, a.cache_dir)
    tok = WordPieceTokenizer(tok_path)
    texts, labels = read_split(os.path.join(a.data, "train.csv"))
    classes = sorted(set(labels))
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(len(texts), generator=g).tolist()[: a.batch_size * (a.steps + 1)]
    seqs = [tok.encode(texts[i], max_length=a.max_len) for i in perm]
    ys = torch.tensor([classes.index(labels[i]) for i in perm])
    torch.manual_seed(a.seed)
    model = LoraClassifier(enc, len(classes), r=a.r, alpha=a.alpha, lora_dropout=a.lora_dropout)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.01)
    batches = [list(range(i, i + a.batch_size)) for i in range(0, len(seqs), a.batch_size)]
    model.train()

    def step(idx):
        ids, mask = collate(seqs, idx)
        loss = F.cross_entropy(model(ids, mask), ys[idx])
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return ids.numel()

    quiet = wait_for_quiet(a.wait_quiet) if a.wait_quiet else None
    step(batches[0])  # warm-up
    mon = CpuMonitor()
    t0 = time.perf_counter(); toks = 0
    for b in batches[1:]:
        toks += step(b)
    tr = time.perf_counter() - t0
    tr_cpu = mon.stop()
    model.eval()
    with torch.inference_mode():
        ids, mask = collate(seqs, batches[0]); model(ids, mask)  # warm-up
        mon = CpuMonitor()
        t0 = time.perf_counter()
        for b in batches[1:]:
            ids, mask = collate(seqs, b); model(ids, mask)
        inf = time.perf_counter() - t0
        inf_cpu = mon.stop()
    nex = a.batch_size * a.steps
    res = {"name": a.name, "steps": a.steps, "batch_size": a.batch_size, "tokens_padded": toks,
           "train_examples_per_s": nex / tr, "train_tokens_padded_per_s": toks / tr,
           "inference_examples_per_s": nex / inf, "inference_tokens_padded_per_s": toks / inf,
           "train_other_processes_cores": tr_cpu["other_processes_cores"], "train_own_cores": tr_cpu["own_cores"],
           "inference_other_processes_cores": inf_cpu["other_processes_cores"],
           "quiet_wait": quiet, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
           "peak_rss_mb": rss_mb(), "env": env_info(a.threads)}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    json.dump(res, open(a.out, "w"), indent=1)
    print(json.dumps(res), flush=True)


# ---------------------------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------------------------
def fmt(x, d=4):
    return "–" if x is None else f"{x:.{d}f}"


def cmd_report(a):
    runs = {}
    for c in CONFIGS + EXTRA_CONFIGS:
        p = os.path.join(RUNS_DIR, c["name"] + ".json")
        if os.path.exists(p):
            runs[c["name"]] = json.load(open(p))
    speed = {}
    for nm in ("speed_openblas", "speed_openblas_omp-default-wait", "speed_openblas_autodetect-prescott",
               "speed_as_installed", "speed_reference_blas"):
        p = os.path.join(RUNS_DIR, nm + ".json")
        if os.path.exists(p):
            speed[nm] = json.load(open(p))
    parity = json.load(open(os.path.join(RUNS_DIR, "parity.json"))) if os.path.exists(
        os.path.join(RUNS_DIR, "parity.json")) else None
    out = {"what": "PyTorch + PEFT-equivalent LoRA reference on all-MiniLM-L6-v2 (CPU, 2 threads)",
           "command": "../shared/bench/torch-lora/run.sh", "parity": parity, "speed_probes": speed,
           "runs": runs}
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "torch-lora.json"), "w") as f:
        json.dump(out, f, indent=1)

    L = ["# torch-lora: PyTorch + PEFT-style LoRA reference (all-MiniLM-L6-v2, CPU)", ""]
    any_run = next(iter(runs.values()), None)
    if any_run:
        e = any_run["env"]
        L += [f"Machine: {e['cpu']}, {e['nproc']} cores; torch {e['torch']} ({e['torch_threads']} threads); "
              f"BLAS: {e['blas']}.", ""]
    L += ["LoRA r=8, alpha=16 on query+value, mean pooling + Linear head; AdamW lr 1e-3 (6% warmup, linear decay), "
          "wd 0.01, batch 32, 3 epochs, seed 0, dynamic padding. Test metrics are for the final (epoch-3) model; "
          "nothing selected on test.", ""]
    L += ["| run | variant | acc | macro-F1 | ECE | Brier | NLL | dev-best ep | train s | train ex/s | train tok/s "
          "(padded / real) | infer ex/s | peak RSS MB | other procs' cores (train) |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in runs.items():
        t, tr, inf = r["test"], r["train"], r["inference"]
        L.append(f"| {name} | single model | {fmt(t['accuracy'])} | {fmt(t['macro_f1'])} | {fmt(t['ece'])} | "
                 f"{fmt(t['brier'])} | {fmt(t['nll'])} | {r['dev_best_epoch']} | {tr['wall_s']:.0f} | "
                 f"{tr['examples_per_s']:.1f} | {tr['tokens_padded_per_s']:.0f} / {tr['tokens_real_per_s']:.0f} | "
                 f"{inf['examples_per_s']:.1f} | {r['peak_rss_mb']:.0f} | {tr['other_processes_cores']:.2f} |")
        if "test_mc" in r:
            m = r["test_mc"]
            L.append(f"| {name} | MC-dropout x{m['passes']} | {fmt(m['accuracy'])} | {fmt(m['macro_f1'])} | "
                     f"{fmt(m['ece'])} | {fmt(m['brier'])} | {fmt(m['nll'])} | | | | | {m['examples_per_s']:.1f} | | |")
        if r.get("dev_best_epoch") != r["config"]["epochs"]:
            m = r["test_dev_best_epoch"]
            L.append(f"| {name} | dev-best epoch {m['epoch']} | {fmt(m['accuracy'])} | {fmt(m['macro_f1'])} | "
                     f"{fmt(m['ece'])} | {fmt(m['brier'])} | {fmt(m['nll'])} | | | | | | | |")
    mcd = [(n, r["test_mc"]["diversity"]) for n, r in runs.items() if "diversity" in r.get("test_mc", {})]
    for n, d in mcd:
        L += ["", f"MC-dropout diversity ({n}): the 8 passes disagree on the argmax for "
              f"{100 * d['frac_examples_passes_disagree']:.1f}% of test examples; the ensemble argmax differs from the "
              f"deterministic model's on {100 * d['frac_examples_ensemble_vs_deterministic_pred_differ']:.1f}%; mean "
              f"total-variation distance ensemble vs deterministic {d['mean_total_variation_ensemble_vs_deterministic']:.4f}"
              f" (pass vs ensemble {d['mean_total_variation_pass_vs_ensemble']:.4f})."]
    L += ["", "Dev accuracy per epoch: " + "; ".join(
        f"{n}: " + ", ".join(f"{e['dev']['accuracy']:.4f}" for e in r["epochs"]) for n, r in runs.items()), ""]
    if speed:
        L += ["Speed probes (same code, same wordnet train batches of 32, 2 torch threads; only BLAS / OpenMP "
              "settings differ; each waits for a quiet machine first):", "",
              "| probe | BLAS | OMP_WAIT_POLICY | train ex/s | train tok/s (padded) | infer ex/s | other procs' cores |",
              "|---|---|---|---|---|---|---|"]
        for nm, s in speed.items():
            L.append(f"| {nm} | {s['env']['blas']} | {s['omp_wait_policy']} | {s['train_examples_per_s']:.1f} | "
                     f"{s['train_tokens_padded_per_s']:.0f} | {s['inference_examples_per_s']:.1f} | "
                     f"{s['train_other_processes_cores']:.2f} |")
        L.append("")
    L += ["Speed anchor = the run table (OpenBLAS AVX-512 kernels via OPENBLAS_CORETYPE=SkylakeX, "
          "OMP_WAIT_POLICY=PASSIVE, 2 threads), comparable to a pip (MKL) PyTorch user on 2 cores. Debian's torch as "
          "found is far slower: see speed_as_installed (system OpenBLAS, which autodetects Prescott/SSE3 on this CPU, "
          "default OpenMP spin-wait) and speed_reference_blas (netlib BLAS, what python3-torch links on a bare "
          "Debian). The 2 cores are shared with other jobs: each timed section records the cores other processes "
          "used (column 'other procs' cores'); a first wordnet-supersenses_p0.1 run under ~0.85 cores of contention "
          "trained at 40.9 ex/s and was re-run quietly (runs/wordnet-supersenses_p0.1.contended.json.bak; quality "
          "numbers were bit-identical).", ""]
    if parity:
        L += [f"Parity: encoder vs ONNX Runtime (Java) max |diff| on real tokens "
              f"{parity['encoder']['max_abs_diff_real_tokens']:.2e} (all positions incl. padding "
              f"{parity['encoder']['max_abs_diff_all_positions']:.2e}); tokenizer vs HF tokenizers (Rust via DJL): "
              f"{parity['tokenizer']['mismatches']} mismatches in {parity['tokenizer']['texts']} texts "
              f"({parity['tokenizer']['total_ids_compared']} ids).", ""]
    L += ["Columns: train s = wall time of the optimisation steps (dev evaluation excluded); tok/s padded counts "
          "batch x longest-in-batch, real counts attention-mask ones; infer ex/s = single pass over test, batch 32; "
          "MC-dropout row's ex/s counts each test example once (8 passes inside). Peak RSS = ru_maxrss of the run's "
          "own process.", ""]
    with open(os.path.join(RESULTS_DIR, "torch-lora.md"), "w") as f:
        f.write("\n".join(L))
    print("\n".join(L))


EXTRA_CONFIGS = [
    dict(name="wordnet-supersenses_p0.1_hf-base-dropout", data=WORDNET, max_len=64, lora_dropout=0.1, mc_passes=0,
         base_dropout=0.1),
]


def cmd_all(a):
    env = dict(os.environ)
    os.makedirs(RUNS_DIR, exist_ok=True)
    py = sys.executable
    if not os.path.exists(os.path.join(RUNS_DIR, "parity.json")) and not a.skip_parity:
        subprocess.check_call([py, os.path.join(HERE, "parity.py"), "--model-dir", a.model_dir], env=env)
    todo = CONFIGS + (EXTRA_CONFIGS if a.extras else [])
    for c in todo:
        out = os.path.join(RUNS_DIR, c["name"] + ".json")
        if os.path.exists(out):
            print("skip (done):", c["name"], flush=True)
            continue
        cmd = [py, os.path.join(HERE, "bench.py"), "run", "--name", c["name"], "--data", c["data"],
               "--max-len", str(c["max_len"]), "--lora-dropout", str(c["lora_dropout"]),
               "--mc-passes", str(c["mc_passes"]), "--base-dropout", str(c.get("base_dropout", 0.0)),
               "--model-dir", a.model_dir, "--out", out, "--wait-quiet", str(a.wait_quiet)]
        print(">>", " ".join(cmd), flush=True)
        subprocess.check_call(cmd, env=env)
    # speed probes: same code and batches, different BLAS / OpenMP settings (each waits for a quiet machine)
    stock = {k: v for k, v in env.items() if k not in ("LD_LIBRARY_PATH", "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")}
    probes = [("speed_openblas", env), ("speed_openblas_omp-default-wait", {k: v for k, v in env.items()
                                                                            if k != "OMP_WAIT_POLICY"}),
              ("speed_openblas_autodetect-prescott", {k: v for k, v in env.items() if k != "OPENBLAS_CORETYPE"}),
              ("speed_as_installed", {k: v for k, v in stock.items() if k != "OMP_WAIT_POLICY"}),
              ("speed_reference_blas", dict(stock, LD_LIBRARY_PATH="/usr/lib/x86_64-linux-gnu/blas:"
                                                          "/usr/lib/x86_64-linux-gnu/lapack"))]
    for nm, penv in probes:
        out = os.path.join(RUNS_DIR, nm + ".json")
        if os.path.exists(out):
            continue
        cmd = [py, os.path.join(HERE, "bench.py"), "speed", "--name", nm, "--out", out, "--model-dir", a.model_dir,
               "--wait-quiet", str(a.wait_quiet), "--steps", "8" if nm != "speed_reference_blas" else "4"]
        print(">>", nm, " ".join(cmd), flush=True)
        subprocess.check_call(cmd, env=penv)
    cmd_report(a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["run", "speed", "report", "all"])
    ap.add_argument("--name", default="run")
    ap.add_argument("--data", default=WORDNET)
    ap.add_argument("--model-dir", default=os.environ.get("MINILM_DIR", os.path.join(OUT_DIR, "minilm")))
    ap.add_argument("--cache-dir", default=os.path.join(OUT_DIR, "cache"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--r", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--lora-dropout", type=float, default=0.1)
    ap.add_argument("--base-dropout", type=float, default=0.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup-ratio", type=float, default=0.06)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--eval-batch-size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--mc-passes", type=int, default=8)
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--limit-eval", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--steps", type=int, default=8, help="speed probe: timed steps")
    ap.add_argument("--extras", action="store_true", help="all: also run EXTRA_CONFIGS")
    ap.add_argument("--wait-quiet", type=float, default=0, help="speed: wait up to N s for other processes to idle")
    ap.add_argument("--skip-parity", action="store_true")
    a = ap.parse_args()
    if a.out is None:
        a.out = os.path.join(RUNS_DIR, a.name + ".json")
    {"run": cmd_run, "speed": cmd_speed, "report": cmd_report, "all": cmd_all}[a.cmd](a)


if __name__ == "__main__":
    main()
