-- Returns the match report's rows (section, metric, value) in the order built.
-- Reads: match_report.
select section, metric, value from match_report
