"""``python -m influence``: the command line. Also the file to give ``spark-submit`` for the
Spark engine on a cluster (README, "Scoring on Apache Spark")::

    spark-submit --master spark://master:7077 \
        "$(python -c 'import influence.__main__ as m; print(m.__file__)')" score --engine spark
"""

from influence.cli import main

if __name__ == "__main__":
    main()
