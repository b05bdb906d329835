import pickle

from proxy.errors import OssError, no_such_key


def test_errors_survive_pickling_across_worker_processes():
    err = no_such_key("a/b.jpg")
    copy = pickle.loads(pickle.dumps(err))
    assert isinstance(copy, OssError)
    assert (copy.status, copy.code, copy.message, copy.ec, copy.extra) == (
        404, "NoSuchKey", "The specified key does not exist.", err.ec, {"Key": "a/b.jpg"},
    )
