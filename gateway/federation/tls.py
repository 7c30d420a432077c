"""Mutual TLS between gateways: each side presents its certificate, accepts only certificates of the federation's
CA, and refuses revoked ones (CRL, checked for the peer's own certificate)."""

import ssl

from gateway.core.settings import Settings


class FederationNotConfigured(RuntimeError):
    pass


def _files(settings: Settings) -> tuple[str, str, str]:
    if not (settings.federation_cert_file and settings.federation_key_file and settings.federation_ca_file):
        raise FederationNotConfigured("federation needs INBEELD_FEDERATION_CERT_FILE, _KEY_FILE and _CA_FILE")
    return str(settings.federation_cert_file), str(settings.federation_key_file), str(settings.federation_ca_file)


def _trust(context: ssl.SSLContext, settings: Settings, ca: str) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(cafile=ca)
    if settings.federation_crl_file:
        context.load_verify_locations(cafile=str(settings.federation_crl_file))
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return context


def server_context(settings: Settings) -> ssl.SSLContext:
    cert, key, ca = _files(settings)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.verify_mode = ssl.CERT_REQUIRED
    return _trust(context, settings, ca)


def client_context(settings: Settings) -> ssl.SSLContext:
    cert, key, ca = _files(settings)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the peer's certificate and host name
    context.load_cert_chain(cert, key)
    return _trust(context, settings, ca)
