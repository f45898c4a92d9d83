"""Erlang C staffing: agents needed for a traffic and a service level.

Erlang B is computed with its iterative recursion B(0) = 1, B(n) = a·B(n-1) / (n + a·B(n-1)),
which never forms a^N or N! and so stays stable for thousands of agents; Erlang C follows as
C = N·B / (N - a·(1 - B)). Service level = 1 - C·exp(-(N - a)·t / AHT).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Staffing:
    """Agents on the phones for one interval's traffic, and what they achieve."""

    agents: int
    service_level: float
    occupancy: float
    traffic_erlangs: float
    probability_wait: float
    average_speed_of_answer: float
    scheduled_agents: int  # agents / (1 - shrinkage), rounded up

    def to_json(self) -> dict[str, float | int]:
        return {
            "agents": self.agents,
            "service_level": round(self.service_level, 4),
            "occupancy": round(self.occupancy, 4),
            "traffic_erlangs": round(self.traffic_erlangs, 4),
            "probability_wait": round(self.probability_wait, 4),
            "average_speed_of_answer": round(self.average_speed_of_answer, 2),
            "scheduled_agents": self.scheduled_agents,
        }


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability for `agents` servers offered `traffic` Erlangs."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic must be non-negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call waits; 1.0 when the agents cannot carry the traffic."""
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def service_level(traffic: float, agents: int, aht_seconds: float, answer_within: float) -> float:
    """Share of calls answered within `answer_within` seconds."""
    if agents <= traffic:
        return 0.0
    wait = erlang_c(traffic, agents)
    return 1.0 - wait * math.exp(-(agents - traffic) * answer_within / aht_seconds)


def staffing(
    calls_per_hour: float,
    aht_seconds: float,
    target_service_level: float = 0.80,
    answer_within: float = 20.0,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> Staffing:
    """The fewest agents reaching the service level (and under `max_occupancy`)."""
    if calls_per_hour <= 0:
        raise ValueError(f"calls per hour must be positive, got {calls_per_hour}")
    if aht_seconds <= 0:
        raise ValueError(f"average handle time must be positive, got {aht_seconds}")
    if not 0 < target_service_level < 1:
        raise ValueError(f"service level must be between 0 and 1, got {target_service_level}")
    if answer_within < 0:
        raise ValueError(f"answer-within must be >= 0 seconds, got {answer_within}")
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    traffic = calls_per_hour * aht_seconds / 3600.0
    agents = max(1, math.floor(traffic) + 1)
    while True:
        level = service_level(traffic, agents, aht_seconds, answer_within)
        if level >= target_service_level and traffic / agents <= max_occupancy:
            break
        agents += 1
    wait = erlang_c(traffic, agents)
    return Staffing(
        agents=agents,
        service_level=level,
        occupancy=traffic / agents,
        traffic_erlangs=traffic,
        probability_wait=wait,
        average_speed_of_answer=wait * aht_seconds / (agents - traffic),
        scheduled_agents=math.ceil(agents / (1.0 - shrinkage) - 1e-9),
    )
