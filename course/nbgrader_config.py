"""nbgrader's configuration of the edulayers course kit (run nbgrader from this folder).

    cd course
    nbgrader generate_assignment a01_softmax_cross_entropy --force   # source/ -> release/
    nbgrader autograde a01_softmax_cross_entropy                     # submitted/ -> autograded/

The directories are nbgrader's defaults under this folder: the instructor's notebooks in
source/<assignment>/, the students' copies in release/<assignment>/ (committed: the book shows
them), submissions in submitted/<student>/<assignment>/, grades in autograded/ and
gradebook.db (neither committed). The instructor's guide is book/instructors.md.
"""
c = get_config()  # noqa: F821 -- nbgrader provides get_config

c.CourseDirectory.course_id = "edulayers"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# planted_bugs.json (the wrong submissions the tests grade) stays with the instructor.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "planted_bugs.json"]

# What a student's answer cell holds in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A cell may run this long while autograding (the capstone's training is the longest, ~10 s);
# a student's endless loop is interrupted after it and scores 0 in the cells that need it.
c.Execute.timeout = 120
