"""One typed settings object for the whole engine.

Every value can be set from the environment with the ``INFLUENCE_`` prefix (for example
``INFLUENCE_NEO4J_URI``) or from a ``.env`` file in the working directory. Secrets (the
Neo4j password, API keys, operator tokens) come only from the environment.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from influence.domain import PublishPolicy
from influence.engine.model import ModelParams
from influence.errors import InvalidInputError

NEO4J_VERSION = "5.26.24"
"""The Neo4j release the local server is assembled from (GDS 2.13.9 is built against it)."""
GDS_VERSION = "2.13.9"
"""The open-source Graph Data Science release built into the local server's plugin."""


def _xdg(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / default)


class Settings(BaseSettings):
    """Runtime configuration, with defaults that work on a laptop."""

    model_config = SettingsConfigDict(
        env_prefix="INFLUENCE_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    # --- database connection -------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None,
        description="Bolt URI of an external Neo4j 5.26 + GDS 2.13 server. Unset: the project's "
        "own local server on 127.0.0.1:db_port.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = Field(
        default=None, description="Password for neo4j_uri (the local server runs without auth)."
    )
    neo4j_database: str = "neo4j"
    neo4j_import_dir: Path | None = Field(
        default=None,
        description="For neo4j_uri: this machine's path of a folder the server reads file:/// "
        "URLs from (its server.directories.import, shared, e.g. a Docker volume). Large graph "
        "projections then travel as a file instead of one request. The local server's own "
        "import folder is used without it.",
    )

    # --- the local server managed by `influence db` ---------------------------------------
    db_port: int = Field(default=7687, ge=1, le=65535, description="Bolt port on 127.0.0.1.")
    cache_dir: Path = Field(
        default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache") / "influence",
        description="Where Neo4j and GDS jars are provisioned (shared by all instances).",
    )
    data_dir: Path = Field(
        default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share") / "influence" / "db",
        description="Database files, logs and configuration of the local server.",
    )
    heap_size: str = Field(default="2g", description="JVM heap of the local server.")
    pagecache_size: str = Field(default="1g", description="Page cache of the local server.")
    java_home: Path | None = Field(
        default=None, description="JDK 17 or 21 to run the server; default JAVA_HOME or PATH."
    )
    start_timeout_s: float = Field(default=120.0, gt=0)
    db_retry_s: float = Field(default=5.0, ge=0)
    """How long a transaction is retried while the database is unreachable before the call
    fails with StoreUnavailableError (the API answers SERVICE_UNAVAILABLE after this)."""

    # --- API ----------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    environment: Literal["development", "production"] = Field(
        default="development",
        description="production switches off GraphiQL and introspection.",
    )
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description='API keys for reads (comma-separated, e.g. k1,k2, or a JSON list; sent as '
        '"Authorization: Bearer <key>" or "X-API-Key"). None configured: anonymous reads in '
        "development, none in production.",
    )
    rate_limit_per_s: float = Field(default=50.0, gt=0,
                                    description="Sustained requests per second per API key.")
    rate_limit_burst: int = Field(default=100, ge=1, description="Token-bucket size per key.")
    api_workers: int = Field(
        default=1, ge=1, le=64,
        description="Worker processes of `influence serve` (uvicorn workers on one port); "
        "with more than one, the rate limits are shared through rate_limit_file.",
    )
    rate_limit_file: Path | None = Field(
        default=None,
        description="SQLite file holding the per-key token buckets, shared by every worker "
        "process on this machine (set by `influence serve --workers N`; unset: in-process).",
    )
    api_cache_entries: int = Field(
        default=4096, ge=0,
        description="Answers the API keeps per worker process, keyed by query, variables, "
        "caller and the read generation (0: no cache; see docs/API.md).",
    )
    api_db_retry_s: float = Field(
        default=1.0, ge=0,
        description="How long the API waits for an unreachable or unresponsive database "
        "(retries, the generation read) before answering SERVICE_UNAVAILABLE; during an outage "
        "it then answers at once, trying the database again with one request at a time "
        "(db_retry_s is for the CLI and jobs).",
    )
    job_nice: int = Field(
        default=10, ge=0, le=19,
        description="The command line's recompute jobs (score, recompute, topics compute) "
        "lower their own CPU priority by this much (nice), so that an API serving on the "
        "same machine keeps its share (0: unchanged; the database server's work is not "
        "affected; loads are not niced: a first load restarts the local server, which would "
        "inherit it).",
    )
    api_stale_s: float = Field(
        default=0.0, ge=0,
        description="For this many seconds after a recompute finishes, the API may answer a "
        "read from its answer under the previous scores (x-cache: stale) while it refreshes "
        "it in the background; consent changes, erasure and loads are never answered stale "
        "(0: off; see docs/API.md).",
    )
    api_max_in_flight: int = Field(
        default=32, ge=1,
        description="GraphQL requests a worker process runs at once; more are shed at once "
        "with 503 and Retry-After.",
    )
    max_query_depth: int = Field(default=12, ge=1)
    max_query_aliases: int = Field(default=15, ge=0)
    max_query_tokens: int = Field(default=2000, ge=10)
    max_query_cost: int = Field(
        default=5000, ge=1,
        description="Cap of the estimated query cost (fields x page sizes, see docs/API.md).",
    )

    # --- model and policy ----------------------------------------------------------------
    model: ModelParams = Field(default_factory=ModelParams)
    publish_policy: PublishPolicy = Field(
        default="opted_in",
        description="Whose scores are shown: only people who opted in (default), or everyone "
        "except those who opted out (an operator's documented choice).",
    )

    # --- consent and privacy (docs/PRIVACY.md) ----------------------------------------------
    tombstone_salt: SecretStr | None = Field(
        default=None,
        description="Salt of the erasure tombstones (hashes of erased accounts). Unset: a random "
        "salt is generated once and kept in the database (then anyone who can read the database "
        "can test guessed ids against the tombstones; set this from a secret store in production).",
    )
    operator_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Bearer tokens of operators (comma-separated, e.g. tok1,tok2, or a JSON "
        "list): they may set consent, erase, export and read the audit log through the API.",
    )
    consent_token_secret: SecretStr | None = Field(
        default=None,
        description="Server secret of per-person verification tokens (HMAC-SHA256 of the person "
        "id). Unset: only operator tokens are accepted.",
    )

    # --- loading --------------------------------------------------------------------------
    batch_size: int = Field(
        default=20_000, ge=1, le=100_000,
        description="Records per write transaction of an incremental load (bench/load.py "
        "measured 20,000 faster than 5,000 or 10,000).")
    quarantine_dir: Path = Field(
        default=Path("quarantine"), description="Where rejected input records are written."
    )
    event_log_dir: Path | None = Field(
        default=None,
        description="Keep the Parquet event log (influence/eventlog) in this folder: every load "
        "rewrites it from the graph and every erasure removes the person from it. Unset: none.",
    )
    spark_master: str = Field(
        default="local[2]",
        description="Where `influence score --engine spark` runs: local[N] (N cores of this "
        "machine), spark://host:7077 (a standalone cluster) or k8s://https://host:443.",
    )
    spark_driver_memory: str = Field(
        default="2g", description="Memory of the Spark driver (Spark's own format: 2g, 512m)."
    )
    self_interactions: Literal["quarantine", "skip", "keep"] = Field(
        default="quarantine",
        description="Loaders: an interaction whose actor is its target is quarantined, skipped "
        "or kept (self-credit never raises a score; the model ignores it).",
    )

    @property
    def uses_local_server(self) -> bool:
        """True when no external server is configured and `influence db` manages one."""
        return self.neo4j_uri is None

    @property
    def server_import_dir(self) -> Path | None:
        """A folder this process writes and the server reads as ``file:///``, if any."""
        if self.neo4j_import_dir is not None:
            return self.neo4j_import_dir
        return self.data_dir / "import" if self.uses_local_server else None

    @property
    def bolt_uri(self) -> str:
        """The Bolt URI to connect to: the external one, or the local server's."""
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.db_port}"


    @field_validator("api_keys", "operator_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> Any:
        """``k1,k2`` or a JSON list (``["k1","k2"]``), as typed in an environment variable."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list ({exc.msg}); or give k1,k2") from exc
        return [part.strip() for part in text.split(",") if part.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment.

    Raises:
        InvalidInputError: a setting has a value it cannot take (named, with the variable).
    """
    return load_settings()


_SETTINGS_HINT = ("Fix or unset the variable (or its line in .env); README.md, 'Configuration', "
                  "lists every setting and its format.")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and ``.env``), a bad value reported as one clear line.

    Raises:
        InvalidInputError: naming the ``INFLUENCE_`` variable and what was wrong with it.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "__".join(str(part) for part in error["loc"] if isinstance(part, str))
            problems.append(f"INFLUENCE_{name.upper()}: {error['msg']}")
        raise InvalidInputError(
            "Bad setting: " + "; ".join(problems),
            hint=_SETTINGS_HINT) from exc
    except SettingsError as exc:
        raise InvalidInputError(
            f"Bad setting: {exc} (complex settings are JSON, lists also k1,k2)",
            hint=_SETTINGS_HINT) from exc
