# Loads the bilingual test records of this folder into $KGMATCH_DB
# (sourced by the 4NN cases: '. $TESTS/cases/400-search-bilingual/load.sh').
d=$TESTS/cases/400-search-bilingual
$KGMATCH init >/dev/null
$KGMATCH import --no-index --kind institution $d/institutions.jsonl >/dev/null
$KGMATCH import --no-index --kind expert $d/experts.jsonl >/dev/null
$KGMATCH import --no-index --kind achievement $d/achievements.jsonl >/dev/null
$KGMATCH import --no-index --kind patent $d/patents.jsonl >/dev/null
$KGMATCH import --no-index --kind demand $d/demands.jsonl >/dev/null
