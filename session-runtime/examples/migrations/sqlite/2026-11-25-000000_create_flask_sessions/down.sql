DROP TABLE flask_sessions;
