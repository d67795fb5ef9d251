"""Response models of the HTTP API, one module per resource.

They exist for the OpenAPI document: routes declare them (``response_model=``
and ``responses=``) so generated clients get typed results and errors. The
routes still answer with bytes built from plain dicts (``api.responses.JSON``);
FastAPI never runs a model over a returned ``Response``, so the models cost
nothing per request. That the documented shapes match the real answers is a
test's job (``tests/api_contract``), which validates every operation's real
responses against this document with additional properties forbidden.

The published objects stay open (no ``additionalProperties: false``): a field
added later is not a breaking change for a generated client.
"""
