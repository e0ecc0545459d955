"""Grafana provisioning and dashboards: one datasource uid, and every panel queries only metrics that
the live services and trainer export; together the dashboards cover docs/architecture.md, Metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, Scrape
from tests.deploy.promql import base_name, label_values_metric, metric_names
from tests.design import SERVER_METRICS, TRAINER_METRICS

GRAFANA = DEPLOY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text())
    return board


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def expressions(board: dict[str, Any]) -> Iterator[tuple[str, set[str]]]:
    """(where, metric names) of every panel target and every variable query."""
    for panel in panels(board):
        for target in panel.get("targets", []):
            yield f"{board['uid']}/{panel['title']}", metric_names(target["expr"])
    for variable in board.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        if variable.get("type") == "query":
            yield f"{board['uid']}/${variable['name']}", label_values_metric(query)


def used_bases(board: dict[str, Any], histograms: set[str]) -> set[str]:
    """Names used by a dashboard, histogram series mapped to the histogram's name."""
    bases = set()
    for _where, names in expressions(board):
        bases |= {base_name(name, histograms) for name in names}
    return bases


@pytest.fixture(scope="module")
def histograms(live_scrapes: dict[str, Scrape]) -> set[str]:
    return {
        name
        for scrape in live_scrapes.values()
        for name, kind in scrape.family_types.items()
        if kind == "histogram"
    }


def test_provisioning_points_at_the_dashboards_and_one_datasource() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "sophia.yml").read_text())
    compose = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{providers['providers'][0]['options']['path']}:ro" in mounts
    assert len(DASHBOARDS) == 2
    for path in DASHBOARDS:
        board = load(path)
        for panel in panels(board):
            if panel["type"] == "row":
                continue
            uids = {panel["datasource"]["uid"]} | {t["datasource"]["uid"] for t in panel.get("targets", [])}
            assert uids == {source["uid"]}, f"{path.name}/{panel['title']}: datasource {uids}"
        ids = [panel["id"] for panel in panels(board)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in panels(board):
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, f"{path.name}/{panel['title']} overflows the grid"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_panels_query_only_exported_metrics(
    path: Path, live_scrapes: dict[str, Scrape], histograms: set[str]
) -> None:
    exported = set().union(*(scrape.series_names for scrape in live_scrapes.values())) | {"up"}
    board = load(path)
    checked = 0
    for where, names in expressions(board):
        assert names, f"{where}: no metric in the expression"
        for name in names:
            assert name in exported or base_name(name, histograms) in histograms, (
                f"{where}: {name} not exported"
            )
            checked += 1
    assert checked >= 10


def test_dashboards_cover_design_section_8(histograms: set[str]) -> None:
    boards = {load(path)["uid"]: load(path) for path in DASHBOARDS}
    services = used_bases(boards["sophia-services"], histograms)
    training = used_bases(boards["sophia-training"], histograms)
    assert services >= SERVER_METRICS, f"services dashboard lacks {SERVER_METRICS - services}"
    assert training >= TRAINER_METRICS, f"training dashboard lacks {TRAINER_METRICS - training}"
    exprs = " ".join(t["expr"] for p in panels(boards["sophia-training"]) for t in p.get("targets", []))
    assert 'set="correct"' in exprs
    assert 'set="wrong"' in exprs
