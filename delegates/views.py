from django.http import Http404


def register(request, slug):
    raise Http404


def lost_link(request, slug):
    raise Http404


def manage(request, token):
    raise Http404


def edit(request, token):
    raise Http404


def withdraw(request, token):
    raise Http404
