#!/usr/bin/env python3
"""Checks docker-compose.yml's exposure and secrets, through `docker-compose config` (no Docker engine needed).

  compose.py                                   production shape: no profile, values an operator's .env would give
  compose.py --profile development --env-file deploy/compose.development.env
                                               development shape, with the committed development values
  options: --compose FILE (default docker-compose.yml)

Asserts, in both shapes:
  - only the gateway publishes ports outside the development profile; Mailpit and the sandbox card processor are
    in that profile; the development profile publishes on 127.0.0.1 only;
  - no guest credentials: RabbitMQ gets its own user, and every AMQP_URL uses that user and password;
  - no secret (a *PASSWORD*, *SECRET*, *_KEY, *TOKEN* setting, or a URL's password) has a default value or a literal
    value outside the development profile, and the required settings (secrets, SMTP_URL, PROCESSOR_URL,
    PUBLIC_BASE_URL) are `${VAR:?…}`: without them `docker-compose config` fails and names them.
Exit status 0 when all hold, 1 otherwise (each failure printed)."""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEVELOPMENT = "development"
SECRET_NAME = re.compile(r"PASSWORD|PASS$|SECRET|TOKEN|(^|_)KEY$|CREDENTIAL", re.I)
# Settings an operator must give: no sensible default outside a laptop.
REQUIRED = {"SMTP_URL", "PROCESSOR_URL", "PUBLIC_BASE_URL"}
REFERENCE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
URL_PASSWORD = re.compile(r"^\w[\w+.-]*://[^/:@\s]+:([^@\s]+)@")

failures = []


def fail(message):
    failures.append(message)
    print(f"  FAIL {message}")


def compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    sys.exit("docker-compose is missing (apt-get install docker-compose)")


def run_config(compose_file, env_file, profiles, environment):
    command = compose_command() + ["-f", str(compose_file), "--env-file", str(env_file)]
    for profile in profiles:
        command += ["--profile", profile]
    return subprocess.run(command + ["config"], capture_output=True, text=True, env=environment, cwd=compose_file.parent)


def in_development(service):
    return DEVELOPMENT in (service.get("profiles") or [])


def strings(value, path=""):
    """Every string in a structure, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def environment_of(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return environment


def published(port):
    """(host address, published port) of a `ports` entry in short or long syntax."""
    if isinstance(port, dict):
        return port.get("host_ip") or "", str(port.get("published") or "")
    parts = str(port).split("/")[0].split(":")
    if len(parts) == 3:
        return parts[0], parts[1]
    return "", parts[0] if len(parts) == 2 else ""


def check_raw(compose_file):
    """The file as written: where each ${…} may take a default."""
    print("the file as written: secrets and required settings have no default outside the development profile")
    raw = yaml.safe_load(compose_file.read_text())
    required_seen = set()
    for name, service in raw.get("services", {}).items():
        development = in_development(service)
        for where, text in strings(service, name):
            for variable, operator, default in REFERENCE.findall(text):
                secret = bool(SECRET_NAME.search(variable))
                if operator in (":?", "?"):
                    required_seen.add(variable)
                elif (secret or variable in REQUIRED) and not development:
                    fail(f"{where}: ${{{variable}}} is a secret or required setting but is not ${{{variable}:?…}}"
                         + (f" (default {default!r})" if default else ""))
        if development:
            continue
        for key, value in environment_of(service).items():
            if value is None or not isinstance(value, str):
                continue
            literal = REFERENCE.sub("", value)
            if SECRET_NAME.search(key) and not key.endswith("_FILE") and literal.strip() and not REFERENCE.search(value):
                fail(f"{name}.environment.{key}: a literal secret ({value!r})")
            # A URL's password must be one required variable, nothing written in the file.
            masked = REFERENCE.sub(lambda m: f"~{m.group(1)}{'~' if m.group(2) in (':?', '?') else '-default~'}", value)
            password = URL_PASSWORD.match(masked)
            if password and not re.fullmatch(r"~\w+~", password.group(1)):
                fail(f"{name}.environment.{key}: a URL whose password is written in the file or defaulted ({value!r})")
    for variable in sorted(REQUIRED - required_seen):
        fail(f"{variable} is not required (${{{variable}:?…}}) anywhere")
    return raw


def check_config(config, profiles, synthetic):
    services = config.get("services", {})
    active = {n: s for n, s in services.items() if not s.get("profiles") or set(s["profiles"]) & set(profiles)}
    print(f"`config` with profiles {profiles or 'none'}: {', '.join(sorted(active))}")

    for name, service in services.items():
        development = in_development(service)
        ports = service.get("ports") or []
        if ports and not development and name != "gateway":
            fail(f"{name} publishes {ports} outside the development profile (only the gateway may)")
        if development:
            for port in ports:
                host, _ = published(port)
                if host != "127.0.0.1":
                    fail(f"{name} (development) publishes {port} on every interface: bind it to 127.0.0.1")
        image, command = str(service.get("image", "")), " ".join(map(str, service.get("command") or []))
        if ("mailpit" in image or "sandbox-processor" in command) and not development:
            fail(f"{name} ({image} {command}) runs outside the development profile")
    if not services.get("gateway", {}).get("ports"):
        fail("the gateway publishes no port")
    if DEVELOPMENT in profiles:
        for wanted in ("mailpit", "sandbox-processor"):
            if wanted not in active:
                fail(f"{wanted} does not run with the development profile")

    print("no guest credentials; the services use RabbitMQ's own user")
    for where, text in strings(services):
        if re.search(r"guest:guest|://guest[:@]", text):
            fail(f"{where}: guest credentials ({text})")
    broker = environment_of(services.get("rabbitmq", {}))
    user, password = broker.get("RABBITMQ_DEFAULT_USER"), broker.get("RABBITMQ_DEFAULT_PASS")
    if not user or not password or user == "guest":
        fail(f"rabbitmq: RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS not set to an own user ({user!r})")
    for name, service in services.items():
        url = environment_of(service).get("AMQP_URL")
        if url is not None and user and password and not url.startswith(f"amqp://{user}:{password}@") \
                and not url.startswith(f"amqps://{user}:{password}@"):
            fail(f"{name}: AMQP_URL {url!r} does not use RabbitMQ's user {user!r} and its password")

    if synthetic:
        print("every secret outside the development profile comes from the operator's environment")
        for name, service in services.items():
            if in_development(service):
                continue
            for key, value in environment_of(service).items():
                if value is None or key.endswith("_FILE") or not SECRET_NAME.search(key):
                    continue
                if "check-" not in str(value):
                    fail(f"{name}.environment.{key} = {value!r}: not from the operator's environment")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compose", default=str(ROOT / "docker-compose.yml"))
    parser.add_argument("--profile", action="append", default=[])
    parser.add_argument("--env-file", help="values to interpolate (default: made-up values for every required one)")
    arguments = parser.parse_args()
    compose_file = pathlib.Path(arguments.compose).resolve()
    raw = check_raw(compose_file)
    variables = sorted({v for _, text in strings(raw) for v, operator, _ in REFERENCE.findall(text)})
    # Only what this check gives: no .env of the machine, no variable of the caller's shell.
    environment = {k: v for k, v in os.environ.items() if k not in variables and not k.startswith("COMPOSE_")}

    with tempfile.TemporaryDirectory() as temp:
        empty = pathlib.Path(temp) / "empty.env"
        empty.write_text("")
        print("without any value, `config` fails and names what is missing")
        result = run_config(compose_file, empty, arguments.profile, environment)
        if result.returncode == 0:
            fail("docker-compose config succeeds without any secret: some secret or required setting has a default")
        elif not re.search(r"set \w+|[Mm]issing|required", result.stderr):
            fail(f"docker-compose config failed without values, but not for a missing value:\n{result.stderr}")

        synthetic = arguments.env_file is None
        if synthetic:
            # What an operator's .env gives: every required variable (letters and digits, as in a URL).
            env_file = pathlib.Path(temp) / "operator.env"
            env_file.write_text("".join(f"{v}=check-{v.lower().replace('_', '')}\n" for _, text in strings(raw)
                                        for v, operator, _ in REFERENCE.findall(text) if operator in (":?", "?")))
        else:
            env_file = pathlib.Path(arguments.env_file).resolve()
        result = run_config(compose_file, env_file, arguments.profile, environment)
        if result.returncode != 0:
            fail(f"docker-compose config failed with {env_file.name}:\n{result.stderr}")
        else:
            check_config(yaml.safe_load(result.stdout), arguments.profile, synthetic)

    print(f"{len(failures)} failure(s)")
    return not failures


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
