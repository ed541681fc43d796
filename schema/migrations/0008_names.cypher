// Names and handles (issue 19): people are found by any word of their name, their accounts'
// display names or handles, by prefix, case and accents aside ('standard-folding' lowercases
// and folds accents: "Nuñez" is found by "nunez"). Exact ids are looked up by index.
CREATE FULLTEXT INDEX person_names IF NOT EXISTS
FOR (n:Person|Account) ON EACH [n.name, n.display_name, n.handle]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}};
CREATE INDEX account_id IF NOT EXISTS FOR (a:Account) ON (a.id);
