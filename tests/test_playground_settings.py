"""The playground's settings (the URL's state) and data: every value is checked with the library's checks or the
playground's bounds, in Keras's message form, before anything changes; the data sets follow the TF Playground."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.playground import data
from glassnet.playground.network import build, output_for, penalties
from glassnet.playground.problem import prepare
from glassnet.playground.settings import LIVE, Settings, parse


def test_the_url_form_and_the_json_form_give_the_same_settings():
    text = parse({"hidden": "4,2", "features": "x1,x2,x1x2", "lambda": "0.01", "regularization": "l2",
                  "learning_rate": "0.3", "dropout": "0.1,0", "layer_regularization": "global,l1:0.003,global",
                  "seed": "7", "noise": "25"})
    numbers = parse({"hidden": [4, 2], "features": ["x1", "x2", "x1x2"], "lambda": 0.01, "regularization": "l2",
                     "learning_rate": 0.3, "dropout": [0.1, 0],
                     "layer_regularization": ["global", "l1:0.003", "global"],
                     "seed": 7, "noise": 25})
    assert text == numbers
    assert (text.hidden, text.lam, text.dropout, text.layer_regularization) == ((4, 2), 0.01, (0.1, 0.0),
                                                                                 ("global", "l1:0.003", "global"))
    assert parse(text.to_dict()) == text  # what the page writes into the URL reads back the same


def test_all_global_entries_and_zero_dropout_normalize_to_empty():
    settings = parse({"layer_regularization": "global,global,global", "dropout": "0,0"})
    assert settings.layer_regularization == () and settings.dropout == ()
    assert settings.layer_specs() == ("global",) * 3 and settings.dropout_rates() == (0.0, 0.0)


@pytest.mark.parametrize("values, message", [
    ({"dataset": "moons"}, ("Argument `dataset` must be one of ['circle', 'xor', 'gauss', 'spiral', 'spiral3', "
                           "'reg-plane', 'reg-gauss', 'data']. Received: dataset='moons'")),
    ({"hidden": "4,9"},
     "Argument `hidden[1]` must be an integer in [1, 8] (neurons per layer). Received: hidden[1]='9'"),
    ({"hidden": "1,1,1,1,1,1,1"}, "Argument `hidden` must be a list of at most 6 items."),
    ({"hidden": "2.5"}, "Argument `hidden[0]` must be an integer in [1, 8]"),
    ({"features": ""}, "Argument `features` must name at least one input, each once"),
    ({"features": "x1,x1"}, "Argument `features` must name at least one input, each once"),
    ({"features": "x3"}, "Argument `features[0]` must be one of"),
    ({"learning_rate": "-1"}, "Argument `learning_rate` must be a finite number > 0. Received: learning_rate=-1.0"),
    ({"learning_rate": "0"}, "Argument `learning_rate` must be a finite number > 0. Received: learning_rate=0.0"),
    ({"learning_rate": 11},
     "Argument `learning_rate` must be at most 10 in the playground. Received: learning_rate=11"),
    ({"learning_rate": "fast"}, "Argument `learning_rate` must be a finite number. Received: learning_rate='fast'"),
    ({"lambda": "-0.1"}, "Argument `l2` must be a finite number ≥ 0. Received: l2=-0.1"),
    ({"lambda": "-0.1", "regularization": "l1"}, "Argument `l1` must be a finite number ≥ 0. Received: l1=-0.1"),
    ({"lambda": "inf"}, "Argument `lambda` must be a finite number. Received: lambda='inf'"),
    ({"lambda": "NaN"}, "Argument `lambda` must be a finite number. Received: lambda='NaN'"),
    ({"lambda": 20}, "Argument `lambda` must be at most 10 in the playground"),
    ({"regularization": "l3"}, "Argument `regularization` must be one of ['none', 'l1', 'l2']"),
    ({"layer_regularization": "global,l2:x"}, "Argument `layer_regularization[1]` must be 'global', 'l1:<strength>'"),
    ({"layer_regularization": "global,l2:-1,global"}, "Argument `l2` must be a finite number ≥ 0. Received: l2=-1.0"),
    ({"layer_regularization": "global,l2:0.1"}, "Argument `layer_regularization` must have one entry per Dense layer"),
    ({"dropout": "1,0"}, "Argument `dropout[0]` must be in [0, 1). Received: dropout[0]=1.0"),
    ({"dropout": "0.5"}, "Argument `dropout` must have one rate per hidden layer (2), or none. Received: 1 rates"),
    ({"batch_size": "0"}, "Argument `batch_size` must be an integer in [1, 30]. Received: batch_size='0'"),
    ({"noise": 60}, "Argument `noise` must be an integer in [0, 50] (percent). Received: noise=60"),
    ({"train_ratio": 5}, "Argument `train_ratio` must be an integer in [10, 90] (percent). Received: train_ratio=5"),
    ({"seed": -1}, "Argument `seed` must be an integer in [0, 4294967295]. Received: seed=-1"),
    ({"speed": 1e6}, "Argument `speed` must be an integer in [0, 1000]"),
    ({"twin": "triplet"}, ("Argument `twin` must be one of ['off', 'no-penalty', 'hidden-only', 'output-only', "
                          "'first-only']. Received: twin='triplet'")),
    ({"optimizer": True}, "Argument `optimizer` must be one of ['sgd', 'momentum', 'adam']. Received: optimizer=True"),
    ({"hidden": {"a": 1}}, "Argument `hidden` must be a list of at most 6 items. Received: hidden={'a': 1}"),
    ({"colour": "red"}, "Unknown settings ['colour']"),
])
def test_every_bad_value_is_refused_naming_it(values, message):
    with pytest.raises(ValueError) as error:
        parse(values)
    assert message in str(error.value)
    assert "Received:" in str(error.value)


def test_a_non_dict_is_a_type_error():
    with pytest.raises(TypeError, match=r"Argument `settings` must be an object of settings. Received: settings=\[1\]"):
        parse([1])


def test_live_settings_keep_the_network_and_the_others_rebuild_it():
    base = Settings()
    for key, value in {"learning_rate": 0.3, "regularization": "l2", "lambda": 0.1, "speed": 5,
                       "layer_regularization": "l1:0.1,global,global"}.items():
        assert not base.needs_new_network(parse({key: value}, base)), key
    for key, value in {"hidden": "3", "seed": 2, "dataset": "xor", "batch_size": 3, "dropout": "0.1,0",
                       "twin": "no-penalty", "features": "x1", "optimizer": "adam", "noise": 5}.items():
        assert base.needs_new_network(parse({key: value}, base)), key
    assert LIVE == {"learning_rate", "regularization", "lam", "layer_regularization", "speed"}


def test_regression_sets_follow_the_playground():
    points, y = data.reg_plane(1200, 0.0, seed=3)
    assert points.shape == (1200, 2) and np.all(np.abs(points) <= 6)
    np.testing.assert_allclose(y, (points[:, 0] + points[:, 1]) / 10, atol=1e-6)  # labels from float64 points
    points, y = data.reg_gauss(1200, 0.0, seed=3)
    assert np.all(np.abs(y) <= 1) and y.min() < -0.5 and y.max() > 0.5
    # at a bump's centre the target is that bump's sign; far from all bumps it is 0
    centre = np.argmin(np.hypot(points[:, 0] + 4, points[:, 1] - 2.5))
    assert y[centre] > 0.5
    far = np.min(np.hypot(*(points[:, None, :] - np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5],
                                                            [4, -2.5]])).transpose(2, 0, 1)), axis=1) > 2
    assert np.all(y[far] == 0)


def test_spiral3_has_three_balanced_arms_and_noise_moves_points():
    points, y = data.spiral3(500, 0.0, seed=0)
    assert sorted(np.bincount(y.astype(int)).tolist()) == [166, 167, 167]
    noisy, y2 = data.spiral3(500, 0.3, seed=0)
    assert not np.array_equal(points, noisy) and np.array_equal(y, y2)


def test_features_are_computed_from_the_raw_coordinates():
    p = np.array([[1.0, 2.0], [-3.0, 0.5]], dtype=np.float32)
    x = data.features(p, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    def sin(v):  # float32 in, float32 out, as the network sees it
        return np.sin(np.float32(v))

    np.testing.assert_array_equal(x, np.array([[1, 2, 1, 4, 2, sin(1), sin(2)],
                                               [-3, 0.5, 9, 0.25, -1.5, sin(-3), sin(0.5)]], np.float32))
    assert x.dtype == np.float32


def test_the_grid_runs_row_by_row_from_the_top():
    grid = data.grid_points((-6, 6, -6, 6), 4)
    assert grid[0].tolist() == [-4.5, 4.5] and grid[3].tolist() == [4.5, 4.5] and grid[-1].tolist() == [4.5, -4.5]


@pytest.mark.parametrize("points, y, message", [
    (np.zeros((5, 3)), np.zeros(5), ("must have exactly 2 feature columns (x1, x2) besides the target. Received: x "
                                    "with shape (5, 3)")),
    (np.zeros((5, 2)), np.zeros(4), "must be one column with a value per row. Received: y with shape (4,) for 5 rows"),
    (np.zeros((1, 2)), np.zeros(1), "must have 2 to 100 rows. Received: 1 rows"),
    (np.zeros((101, 2)), np.zeros(101), "must have 2 to 100 rows. Received: 101 rows"),
    (np.array([[0, np.nan], [1, 1]]), np.zeros(2), "must contain only finite numbers"),
])
def test_user_data_is_checked(points, y, message):
    with pytest.raises(ValueError) as error:
        data.user_table(points, y, "mine.csv", 100)
    assert message in str(error.value)


@pytest.mark.parametrize("y, classes", [([0, 1, 0, 1], 2), ([0, 1, 2, 2], 3), ([1, 2, 1, 2], 0), ([0, 0.5, 1, 0], 0),
                                        ([0, 0, 0, 0], 0)])
def test_only_labels_0_to_k_minus_1_are_classes(y, classes):
    assert data.user_table(np.arange(8.0).reshape(4, 2), y, "mine.csv", 100).n_classes == classes


def test_the_split_and_the_outputs():
    assert [data.split_at(500, r) for r in (10, 50, 90)] == [50, 250, 450]
    assert data.split_at(2, 10) == 1 and data.split_at(2, 90) == 1
    settings = Settings()
    spiral3 = prepare(parse({"dataset": "spiral3"}), None)
    assert (spiral3.output.units, spiral3.output.loss) == (3, "sparse_categorical_crossentropy")
    signs = prepare(parse({"dataset": "xor", "loss": "squared_error"}), None)
    assert signs.output.activation == "tanh" and set(np.unique(signs.y_train)) == {-1.0, 1.0}
    regression = prepare(parse({"dataset": "reg-plane"}), None)
    assert (regression.output.activation, regression.output.loss, regression.n_train) == ("linear", "mse", 600)
    with pytest.raises(ValueError, match=r"with 3 classes use cross-entropy. Received: loss='squared_error'"):
        output_for(parse({"dataset": "spiral3", "loss": "squared_error"}), spiral3.table)
    with pytest.raises(ValueError, match=r"start it with `glassnet playground --data FILE --target COL` or upload"):
        prepare(parse({"dataset": "data"}), None)
    model = build(settings, 4, prepare(settings, None).output)
    assert [layer.name for layer in model.layers] == ["hidden_1", "hidden_2", "output"]


def test_global_and_own_penalties_are_placed_like_compile_and_layer_arguments():
    settings = parse({"regularization": "l2", "lambda": 0.01, "layer_regularization": "global,l1:0.1,global"})
    problem = prepare(settings, None)
    model = build(settings, problem.x_train.shape[1], problem.output)
    sources = [(layer.kernel.regularizer, layer.kernel.regularizer_source) for layer in model.layers]
    shared, own = penalties(settings)
    assert [repr(r) for r, _ in sources] == ["L2(l2=0.01)", "L1(l1=0.1)", "L2(l2=0.01)"]
    assert [s for _, s in sources] == ["compile", "layer", "compile"]
    assert repr(shared) == "L2(l2=0.01)" and own[1] is not None
