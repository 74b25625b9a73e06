"""Writers of small Kato-style MATLAB files (v7.3 and v5) for the reader tests."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import scipy.io

HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: wormgnn tests HDF5 schema 1.00 ."


class _V73Writer:
    def __init__(self, f: h5py.File):
        self.f = f
        self.refs = f.create_group("#refs#")
        self.count = 0

    def _ref(self, dataset_or_group) -> h5py.Reference:
        return dataset_or_group.ref

    def _new(self, data, mclass: str):
        self.count += 1
        ds = self.refs.create_dataset(f"r{self.count}", data=data)
        ds.attrs["MATLAB_class"] = np.bytes_(mclass)
        return ds

    def value(self, v):
        """A MATLAB value stored as a #refs# entry; returns a reference to it."""
        if isinstance(v, str):
            if not v:
                ds = self._new(np.zeros(2, dtype=np.uint64), "char")
                ds.attrs["MATLAB_empty"] = np.uint8(1)
                return ds.ref
            ds = self._new(np.array([[ord(c)] for c in v], dtype=np.uint16), "char")
            ds.attrs["MATLAB_int_decode"] = np.int32(2)
            return ds.ref
        if isinstance(v, dict):
            self.count += 1
            g = self.refs.create_group(f"r{self.count}")
            g.attrs["MATLAB_class"] = np.bytes_("struct")
            for k, x in v.items():
                d = g.create_dataset(k, data=np.asarray(x, dtype=np.float64).reshape(-1, 1))
                d.attrs["MATLAB_class"] = np.bytes_("double")
            return g.ref
        if isinstance(v, list):
            refs = np.array([[self.value(x)] for x in v], dtype=h5py.ref_dtype)
            return self._new(refs, "cell").ref
        arr = np.asarray(v, dtype=np.float64)
        return self._new(arr.T if arr.ndim == 2 else arr.reshape(-1, 1), "double").ref


def write_v73(path: Path, struct_name: str, fields: dict[str, list]) -> Path:
    """fields: name -> one value per worm (traces (frames, neurons), list of names, dict...)."""
    with h5py.File(path, "w", userblock_size=512) as f:
        writer = _V73Writer(f)
        group = f.create_group(struct_name)
        group.attrs["MATLAB_class"] = np.bytes_("struct")
        for name, per_worm in fields.items():
            refs = np.array([[writer.value(v)] for v in per_worm], dtype=h5py.ref_dtype)
            ds = group.create_dataset(name, data=refs)
            ds.attrs["MATLAB_class"] = np.bytes_("cell")
    with open(path, "r+b") as fh:
        fh.write(HEADER.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM")
    return path


def _cell(items: list) -> np.ndarray:
    out = np.empty((1, len(items)), dtype=object)
    for i, x in enumerate(items):
        out[0, i] = x
    return out


def write_v5(path: Path, struct_name: str, fields: dict[str, list]) -> Path:
    struct = {}
    for name, per_worm in fields.items():
        values = []
        for v in per_worm:
            if isinstance(v, list):
                values.append(_cell(v))
            elif isinstance(v, dict):
                values.append({k: np.asarray(x, dtype=np.float64).reshape(1, -1) for k, x in v.items()})
            else:
                values.append(np.asarray(v))
        struct[name] = _cell(values)
    scipy.io.savemat(path, {struct_name: struct}, format="5")
    return path


def kato_fields(rng: np.random.Generator, worms: int = 2, frames: int = 60, neurons: int = 5,
                spelling: str = "kato", states: str = "struct") -> dict[str, list]:
    """A small Kato-like dataset; 'sister' spelling uses traces / IDs / timeVectorSeconds."""
    traces = [rng.normal(size=(frames, neurons)) for _ in range(worms)]
    if spelling == "kato":
        names = [["AVAL", "17", "SMDVR", "DB01", "3"][:neurons] for _ in range(worms)]
        fields = {"deltaFOverF_bc": traces, "NeuronNames": names, "fps": [2.9] * worms,
                  "tv": [np.arange(frames) / 2.9 for _ in range(worms)]}
    else:
        names = [["AVAL", "", "SMDVR", "DB01", ""][:neurons] for _ in range(worms)]
        fields = {"traces": traces, "IDs": names,
                  "timeVectorSeconds": [np.arange(frames) / 2.5 for _ in range(worms)]}
    labels = [np.arange(frames) % 3 for _ in range(worms)]
    if states == "struct":
        fields["States"] = [{"fwd": (lab == 0) * 1.0, "rev1": (lab == 1) * 1.0, "vt": (lab == 2) * 1.0}
                            for lab in labels]
    else:
        fields["States"] = [lab + 1.0 for lab in labels]  # MATLAB codes count from 1
        fields["stateKey"] = [["fwd", "rev1", "vt"] for _ in range(worms)]
    return fields
