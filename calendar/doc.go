// Package calendar decides whether a tenant's line is open: Korean public
// holidays, weekly business hours and the situational notices supervisors
// set (lunch, after hours, department moved, disaster).
//
// Holidays are computed, not listed per year. Lunar dates (설날, 부처님오신날,
// 추석) come from github.com/6tail/lunar-go v1.4.6, corrected to Korean
// (UTC+9) new-moon dates; substitute holidays follow the rules in force
// since 2014, 2021 and 2023. Election days and one-off 임시공휴일 are
// configured as extra days.
//
// Everything here is pure and clock-injected: callers pass the instant, and
// all evaluation happens in Asia/Seoul.
package calendar
