"""The 1365 adapter interface, and the adapter the setting PUMASI_1365_ADAPTER names.

An organisation's 1365 agreement decides how dates reach 1365; an adapter is the class that does it:
it submits dates, fetches per-date answers and answers a health check. pumasi ships one, the HTTP
client of docs/1365_CONTRACT.md (pumasi.portal.http:HttpAdapter); another is plugged in by naming its
class in PUMASI_1365_ADAPTER=package.module:Class, without changing pumasi. The contract document
says what each method must do; pumasi.portal.testkit checks an adapter against the simulator.

pumasi never calls an adapter directly: `Portal` wraps it, records each call's outcome for the
operators' monitor, and turns any failure into a PortalError, which the linkage retries.
"""
import abc
import importlib


class PortalError(Exception):
    """1365 could not be reached or did not answer properly; the call may be retried."""


class Adapter(abc.ABC):
    """What pumasi needs of 1365. Built once per process with the app's settings (a mapping:
    PORTAL_URL, PORTAL_API_KEY, ORG_CODE, PORTAL_TIMEOUT, and any others the adapter reads);
    methods are called from one thread at a time and raise PortalError when 1365 cannot answer."""

    def __init__(self, config):
        self.config = config

    @abc.abstractmethod
    def submit(self, records):
        """Send dates: records are dicts of the contract (ref, name, rrn, site, activity, date, start,
        end, minutes), at most 500. Returns (set of accepted refs, {rejected ref: reason}). A ref
        sent again must not be recorded twice by 1365 (a lost answer is simply sent again)."""

    @abc.abstractmethod
    def results(self, refs):
        """Answers for refs (at most 1000): {ref: (status, code, message)}, status being "pending",
        "done" (with 1365's code and message) or "unknown" (1365 never received it)."""

    @abc.abstractmethod
    def health(self):
        """(True, detail) when 1365 answers its health check, else (False, why); never raises."""


def adapter_class(path):
    """The class a `package.module:Class` path names; ValueError saying why when it cannot be used."""
    module_name, _, class_name = (path or "").partition(":")
    if not module_name or not class_name:
        raise ValueError(f"{path!r} is not of the form package.module:Class")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{path!r} cannot be imported ({type(exc).__name__}: {exc})") from None
    if not (isinstance(found, type) and issubclass(found, Adapter)):
        raise ValueError(f"{path!r} is not a subclass of pumasi.portal.adapter.Adapter")
    return found


class Portal:
    """An adapter whose calls are recorded (on_answer(ok, detail), for the monitor) and whose
    failures, whatever they are, reach the caller as PortalError (an RRN never travels in one)."""

    def __init__(self, adapter, on_answer=None):
        self.adapter = adapter
        self.on_answer = on_answer or (lambda ok, detail: None)

    def _call(self, name, method, argument):
        try:
            result = method(argument)
        except PortalError as exc:
            self.on_answer(False, str(exc)[:200])
            raise
        except Exception as exc:  # an adapter's own error: retried like any failure to reach 1365
            self.on_answer(False, f"{type(exc).__name__} in {name}")
            raise PortalError(f"{type(exc).__name__} in {name}") from None
        self.on_answer(True, f"OK {name}")
        return result

    def submit(self, records):
        """(accepted refs, {ref: reason}) for the records, as the adapter answers."""
        accepted, rejected = self._call("submit", self.adapter.submit, records)
        return set(accepted), dict(rejected)

    def results(self, refs):
        """{ref: (status, code, message)} for the refs."""
        return self._call("results", self.adapter.results, list(refs))

    def health(self):
        """(ok, detail) of the adapter's health check, recorded too."""
        try:
            ok, detail = self.adapter.health()
        except Exception as exc:  # noqa: BLE001 - a health check that raises is a failing one
            ok, detail = False, type(exc).__name__
        self.on_answer(bool(ok), detail)
        return bool(ok), detail


def load(config, on_answer=None):
    """The Portal of the adapter that config["PORTAL_ADAPTER"] names, built with config."""
    return Portal(adapter_class(config["PORTAL_ADAPTER"])(config), on_answer)
