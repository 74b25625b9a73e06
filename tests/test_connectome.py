import numpy as np

from wormgnn.connectome import CITATION, load_connectome


def test_302_neurons_with_known_synapses():
    c = load_connectome()
    assert len(c.names) == 302 and len(set(c.names)) == 302
    assert c.chemical.shape == (302, 302) and c.gap.shape == (302, 302)
    np.testing.assert_array_equal(c.gap, c.gap.T)  # gap junctions are symmetric
    i, j = c.names.index("AVAL"), c.names.index("AVAR")
    assert c.chemical[i, j] > 0 and c.gap[i, j] > 0
    assert "Cook" in CITATION


def test_lookup_by_names_with_unknown_and_unidentified():
    c = load_connectome()
    names = ["AVAL", None, "DB01", "NOTANEURON"]
    assert list(c.index(names)[[1, 3]]) == [-1, -1]
    assert c.index(["DB01"])[0] == c.names.index("DB1")
    assert c.unknown(names) == ["NOTANEURON"]
    chem, gap, known = c.submatrices(names)
    assert list(known) == [True, False, True, False]
    assert chem.shape == (4, 4)
    assert chem[1].sum() == 0 and chem[:, 3].sum() == 0
    full = c.chemical[c.names.index("AVAL"), c.names.index("DB1")]
    assert chem[0, 2] == full
    adj = c.adjacency(names)
    assert adj.dtype == bool and not adj.diagonal().any() and (adj == adj.T).all()


def test_bilateral_partners_swap_the_side_and_leave_unpaired_neurons_alone():
    c = load_connectome()
    assert c.bilateral_partner("AVAL") == "AVAR" and c.bilateral_partner("AVAR") == "AVAL"
    assert c.bilateral_partner("SMDVL") == "SMDVR" and c.bilateral_partner("IL1DL") == "IL1DR"
    for unpaired in ("AVL", "RIR", "PVR", "RID", "RMED", "ALA", ""):
        assert c.bilateral_partner(unpaired) is None  # AVL is one neuron, not AV's left side
