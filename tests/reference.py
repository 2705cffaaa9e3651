"""An independent float64 implementation of PyTorch's LSTM / GRU / RNN equations.

Written as plain sequential loops over time, directly from the documented equations, with no
code shared with lstmviz.record. Returns, per (layer, direction), every quantity as (T, B, H).
"""
import numpy as np
import torch


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference(module: torch.nn.Module, x: np.ndarray, h0=None, c0=None) -> dict:
    """x: (T, B, I) seq-first. Returns {(layer, direction): {quantity: (T, B, H)}}."""
    kind = type(module).__name__.lower()
    T, B, _ = x.shape
    H, L = module.hidden_size, module.num_layers
    D = 2 if module.bidirectional else 1
    p = {k: v.detach().double().numpy() for k, v in module.named_parameters()}
    h0 = np.zeros((L * D, B, H)) if h0 is None else np.asarray(h0, dtype=np.float64)
    c0 = np.zeros((L * D, B, H)) if c0 is None else np.asarray(c0, dtype=np.float64)
    out = {}
    layer_in = np.asarray(x, dtype=np.float64)
    for layer in range(L):
        outs = []
        for d in range(D):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
            b_ih = p.get("bias_ih" + sfx, np.zeros(w_ih.shape[0]))
            b_hh = p.get("bias_hh" + sfx, np.zeros(w_hh.shape[0]))
            h, c = h0[layer * D + d], c0[layer * D + d]
            q = {name: np.zeros((T, B, H)) for name in
                 {"lstm": "ifgoch", "gru": "rznh", "rnn": "h"}[kind]}
            steps = range(T - 1, -1, -1) if d else range(T)
            for t in steps:
                a = layer_in[t] @ w_ih.T + b_ih  # (B, G*H)
                b = h @ w_hh.T + b_hh
                if kind == "lstm":
                    z = a + b
                    i, f = _sig(z[:, :H]), _sig(z[:, H:2 * H])
                    g, o = np.tanh(z[:, 2 * H:3 * H]), _sig(z[:, 3 * H:])
                    c = f * c + i * g
                    h = o * np.tanh(c)
                    vals = dict(i=i, f=f, g=g, o=o, c=c, h=h)
                elif kind == "gru":
                    r = _sig(a[:, :H] + b[:, :H])
                    zz = _sig(a[:, H:2 * H] + b[:, H:2 * H])
                    n = np.tanh(a[:, 2 * H:] + r * b[:, 2 * H:])
                    h = (1 - zz) * n + zz * h
                    vals = dict(r=r, z=zz, n=n, h=h)
                else:
                    z = a + b
                    h = np.tanh(z) if module.nonlinearity == "tanh" else np.maximum(z, 0)
                    vals = dict(h=h)
                for name, v in vals.items():
                    q[name][t] = v
            out[(layer, d)] = q
            outs.append(q["h"])
        layer_in = np.concatenate(outs, axis=-1)
    return out
