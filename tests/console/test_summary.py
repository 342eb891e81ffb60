"""The end-of-run summary: built from what the pipelines save, short, and ending with what next."""

from __future__ import annotations

from kedro.io import DataCatalog, MemoryDataset

from user_score.console.errors import ErrorBlock, describe
from user_score.console.summary import RunSummary, next_command
from user_score.pipelines.monitoring.status import MonitoringAlert

PROTOCOL = {"mae": 0.5, "rmse": 0.7, "r2": 0.4, "n": 10}


def training_metrics() -> dict:
    protocols = {
        name: {"candidates": {"linear": PROTOCOL, "lightgbm": {**PROTOCOL, "mae": 0.6}}}
        for name in ("grouped_kfold", "random_holdout", "leave_studio_out")
    }
    return {
        "model_version": "20210301T000000Z-abc",
        "training_rows": 1500,
        "chosen_model": "linear",
        "selection": {"scores": {"linear": {}, "lightgbm": {}}},
        "protocols": protocols,
        "targets": {
            "grouped_kfold_r2": {"value": 0.4, "bound": 0.45, "kind": "min", "pass": False},
            "original_random_holdout": {"mae": {"pass": True}, "r2": {"pass": True}},
        },
    }


def status(level: str, reasons: list[str]) -> dict:
    return {"status": level, "recommended_action": "retrain", "reasons": reasons}


def test_a_default_run_summary_names_everything_a_user_needs():
    summary = RunSummary(pipelines=["__default__"], run_date="2021-03-01", env="local")
    summary.saved = {
        "data_engineering_summary": {"rows_in": 2000, "rows_clean": 1976, "rows_quarantined": 21},
        "training_metrics": training_metrics(),
        "scoring_summary": {
            "rows_in": 1000,
            "rows_scored": 973,
            "rows_quarantined": 27,
            "quarantine_reasons": {"id: unique": 8, "genres: list_string": 4, "x": 1, "y": 9},
            "model_version": "20210301T000000Z-abc",
        },
        "monitoring_status": status("AMBER", [f"reason {n}" for n in range(5)]),
    }
    summary.locations = {"monitoring_report": "data/08_reporting/monitoring/dt=2021-03-01/r.html"}
    text = "\n".join(summary.lines())
    assert "run_date 2021-03-01" in text
    assert "rows in 2000, clean 1976, quarantined 21" in text
    assert "chosen 'linear' of 2 candidates" in text and "FAIL: grouped_kfold_r2" in text
    assert "(a) grouped_kfold" in text and "(d) leave_studio_out" in text
    assert "0.500  0.700  0.400" in text
    assert "scored 973, quarantined 27 (top: y 9, id: unique 8, genres: list_string 4)" in text
    assert "status AMBER" in text and "reason 2" in text and "reason 3" not in text
    assert "(+2 more in the report)" in text
    assert "report      data/08_reporting/monitoring/dt=2021-03-01/r.html" in text
    assert summary.lines()[-2].startswith("next        kedro run --pipelines scoring,monitoring")
    assert "run_date=2021-03-02" in summary.lines()[-2]
    assert len(summary.lines()) <= 25


def test_the_next_command_follows_what_ran():
    summary = RunSummary(pipelines=["training"])
    summary.saved = {"training_metrics": training_metrics()}
    assert next_command(summary).startswith("kedro run --pipelines scoring")
    summary.saved["monitoring_status"] = status("RED", ["x"])
    assert "kedro run --pipelines training" in next_command(summary)


def test_record_keeps_summaries_and_output_locations():
    catalog = DataCatalog({"monitoring_report": MemoryDataset(), "other": MemoryDataset()})
    summary = RunSummary(pipelines=["monitoring"])
    summary.record("monitoring_status", status("GREEN", []), catalog)
    summary.record("other", {"a": 1}, catalog)
    assert list(summary.saved) == ["monitoring_status"]


def test_a_monitoring_alert_names_the_report():
    from user_score.console.summary import attach_report_path

    class Report:
        _filepath = "data/08_reporting/monitoring/dt=2021-03-01/monitoring_report.html"

    error = MonitoringAlert("monitoring status RED for 2021-03-01 (fail_on=critical). The report")
    attach_report_path(error, {"monitoring_report": Report()})
    block = describe(error)
    assert isinstance(block, ErrorBlock)
    text = "\n".join(block.lines())
    assert "path    : data/08_reporting/monitoring/dt=2021-03-01/monitoring_report.html" in text
    assert "monitoring status RED" in text


def test_an_unknown_error_has_no_block():
    assert describe(RuntimeError("boom")) is None
    assert describe(KeyError("x")) is None


def test_a_tracked_training_run_names_its_mlflow_run_and_registered_version():
    summary = RunSummary(pipelines=["training"], run_date="2021-03-01")
    summary.saved = {"training_metrics": training_metrics()}
    summary.tracking = {
        "run_id": "0123abcd",
        "experiment": "user_score",
        "registered_model": "user_score",
        "registered_version": "3",
    }
    lines = summary.lines()
    assert (
        "mlflow      run 0123abcd (experiment user_score), registered user_score version 3" in lines
    )
    assert lines[-2].startswith("next ")
    summary.tracking = {"run_id": "0123abcd", "experiment": "user_score"}  # e.g. scoring
    assert "mlflow      run 0123abcd (experiment user_score)" in summary.lines()
    summary.tracking = None  # tracking off or not installed: no line
    assert not any(line.startswith("mlflow") for line in summary.lines())
