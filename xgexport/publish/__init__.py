"""``xgexport publish``: a verified bundle (or collection) uploaded to S3 (:mod:`.s3`) or
committed to a git branch for GitHub Pages (:mod:`.ghpages`). What both publish is decided in
:mod:`.site`; how files are served (content types, caching) in :mod:`.content`."""
